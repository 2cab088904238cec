"""Keyboard labeling: each key is one core call, recorded as an undoable event."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt

from labeldesk.core.errors import UnknownClassError
from labeldesk.gui.image_model import ImageRole


def label_in_db(project, path: str) -> str | None:
    label = project.images().set_index("path").label[path]
    return label if isinstance(label, str) else None


def select_rows(grid, rows: list[int]) -> None:
    model = grid.model()
    selection = QItemSelection()
    for row in rows:
        selection.select(model.index(row), model.index(row))
    grid.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)


def test_pressing_2_labels_the_tile_with_the_second_class(qtbot, view, project, monkeypatch):
    monkeypatch.setenv("LABELDESK_USER", "alice")
    path = view.model.path(1)
    assert path == "_unlabeled/u1.png"
    view.grid.select_row(1)
    qtbot.keyClick(view.grid, Qt.Key.Key_2)
    event = project.history(path)[0]
    second = project.classes()[1]
    assert (event.old_label, event.new_label, event.source) == (None, second, "human")
    assert label_in_db(project, path) == second
    assert view.model.data(view.model.index(1), ImageRole.Label) == second  # re-read from DB
    assert list(view.grid.selected_rows()) == [2]  # moved on to the next tile
    view.grid.select_row(1)  # the detail panel's history says who, what and when
    assert f"unlabeled → {second}  (alice, human)" in view.detail.history.item(0).text()


def test_ctrl_z_undoes_the_last_label(qtbot, view, project):
    path = view.model.path(0)
    view.grid.select_row(0)
    qtbot.keyClick(view.grid, Qt.Key.Key_1)
    assert label_in_db(project, path) == "cat"
    qtbot.keyClick(view.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert label_in_db(project, path) is None
    assert view.model.data(view.model.index(0), ImageRole.Label) is None
    assert project.history(path)[0].source == "undo"


def test_undo_selects_the_image_it_changed_back(qtbot, view, project):
    """The labels came back, but the selection stayed where labeling had moved it on
    to: the mistake had to be found again by hand."""
    view.grid.select_row(0)
    path = view.model.path(0)
    qtbot.keyClick(view.grid, Qt.Key.Key_1)  # labels row 0 and moves on
    qtbot.keyClick(view.grid, Qt.Key.Key_1)  # ... row 1, and on to row 2
    view.grid.select_row(3)
    qtbot.keyClick(view.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert list(view.grid.selected_rows()) == [1]
    qtbot.keyClick(view.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert list(view.grid.selected_rows()) == [0] and label_in_db(project, path) is None


def test_bulk_relabel_of_three_tiles_is_one_batch(qtbot, view, project):
    select_rows(view.grid, [0, 1, 2])
    paths = [view.model.path(r) for r in (0, 1, 2)]
    events_before = len(project.history())
    qtbot.keyClick(view.grid, Qt.Key.Key_2)
    new_events = project.history()[: len(project.history()) - events_before]
    assert len(new_events) == 3
    assert len({e.batch_id for e in new_events}) == 1
    assert sorted(e.path for e in new_events) == sorted(paths)
    assert all(label_in_db(project, p) == "dog" for p in paths)
    assert list(view.grid.selected_rows()) == [0, 1, 2]  # no auto-advance for a group
    qtbot.keyClick(view.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert all(label_in_db(project, p) is None for p in paths)  # one undo reverts the batch


def test_zero_and_backspace_remove_the_label(qtbot, view, project):
    row = view.model.rowCount() - 1
    path = view.model.path(row)
    view.grid.select_row(row)
    qtbot.keyClick(view.grid, Qt.Key.Key_0)
    assert label_in_db(project, path) is None
    view.labeling.undo()
    assert label_in_db(project, path) == "dog"
    qtbot.keyClick(view.grid, Qt.Key.Key_Backspace)
    assert label_in_db(project, path) is None


def test_x_toggles_excluded(qtbot, view, project):
    select_rows(view.grid, [3, 4])
    paths = [view.model.path(3), view.model.path(4)]

    def statuses() -> list[object]:  # None for no status (the frame's categorical says NaN)
        frame = project.images().set_index("path")
        return [s if isinstance(s, str) else None for s in frame.status[paths]]

    qtbot.keyClick(view.grid, Qt.Key.Key_X)
    assert statuses() == ["excluded", "excluded"]
    assert view.model.data(view.model.index(3), ImageRole.Status) == "excluded"
    qtbot.keyClick(view.grid, Qt.Key.Key_X)
    assert all(s is None for s in statuses())


def test_sidebar_counts_refresh_after_labeling(qtbot, view):
    def unlabeled_count() -> str:
        return view.sidebar.class_list.topLevelItem(1).text(2)

    assert unlabeled_count() == "3"
    view.grid.select_row(0)
    qtbot.keyClick(view.grid, Qt.Key.Key_1)
    assert unlabeled_count() == "2"


def test_digits_typed_in_the_search_box_do_not_label(qtbot, view, project):
    before = len(project.history())
    view.grid.select_row(0)
    view.sidebar.search.setFocus()
    qtbot.keyClicks(view.sidebar.search, "u2")
    assert view.sidebar.search.text() == "u2"
    assert len(project.history()) == before


def test_key_for_a_missing_class_explains_instead_of_failing(qtbot, view, project):
    before = len(project.history())
    view.grid.select_row(0)
    with qtbot.waitSignal(view.labeling.message) as message:
        qtbot.keyClick(view.grid, Qt.Key.Key_5)
    assert "No class for key 5" in message.args[0]
    assert len(project.history()) == before


def test_adding_a_class_makes_its_key_work(qtbot, view, project):
    assert view.labeling.add_classes(["bird"]) == ["bird"]
    assert project.classes() == ["cat", "dog", "bird"]
    assert "bird" in view.labeling.label_actions[2].text()
    assert view.sidebar.class_list.topLevelItem(4).text(1) == "bird"
    view.grid.select_row(0)
    qtbot.keyClick(view.grid, Qt.Key.Key_3)
    assert label_in_db(project, view.model.path(0)) == "bird"


def test_classes_after_the_ninth_get_letter_keys(qtbot, view, project):
    extra = [f"c{n}" for n in range(3, 12)]  # classes 3 … 11
    view.labeling.add_classes(extra)
    tenth, eleventh = project.classes()[9], project.classes()[10]
    assert view.sidebar.class_list.topLevelItem(11).text(0) == "A"  # after All, Unlabeled
    view.grid.select_row(0)
    qtbot.keyClick(view.grid, Qt.Key.Key_A)
    assert label_in_db(project, view.model.path(0)) == tenth
    qtbot.keyClick(view.grid, Qt.Key.Key_B)
    assert label_in_db(project, view.model.path(1)) == eleventh
    qtbot.keyClick(view.grid, Qt.Key.Key_X)  # still exclude, never a class
    assert project.images().set_index("path").status[view.model.path(2)] == "excluded"


def test_a_letter_key_with_shift_acts_as_the_letter(qtbot, view, project):
    # The sidebar shows the 10th class's key as "A": typed as a capital (Shift+A) it
    # did nothing at all, with no word why; so did Shift+X.
    view.labeling.add_classes([f"c{n}" for n in range(3, 12)])
    tenth = project.classes()[9]
    view.grid.select_row(0)
    qtbot.keyClick(view.grid, Qt.Key.Key_A, Qt.KeyboardModifier.ShiftModifier)
    assert label_in_db(project, view.model.path(0)) == tenth
    assert list(view.grid.selected_rows()) == [1]  # moved on, as after A
    qtbot.keyClick(view.grid, Qt.Key.Key_X, Qt.KeyboardModifier.ShiftModifier)
    assert project.images().set_index("path").status[view.model.path(1)] == "excluded"


def test_an_expected_core_error_becomes_one_message(qtbot, view, project, monkeypatch):
    def refuse(*args, **kwargs):
        raise UnknownClassError("unknown class(es): cat")

    monkeypatch.setattr(project, "set_labels", refuse)
    view.grid.select_row(0)
    with qtbot.waitSignal(view.labeling.error) as error:
        qtbot.keyClick(view.grid, Qt.Key.Key_1)
    assert error.args == ["unknown class(es): cat"]
    assert list(view.grid.selected_rows()) == [0]  # nothing changed, no advance


def test_undo_never_reverts_the_folder_labels(qtbot, view, project):
    with qtbot.waitSignal(view.labeling.message) as message:
        view.labeling.undo()
    assert message.args[0].startswith("Nothing to undo")
    assert project.history()[0].source == "import"  # the scan's folder labels stay


@pytest.mark.parametrize("rows", [[0], [0, 5, 9]])
def test_detail_panel_follows_the_selection(qtbot, view, project, rows):
    select_rows(view.grid, rows)
    if len(rows) == 1:
        assert view.detail.fields["Path"].text() == view.model.path(0)
        assert view.detail.fields["Size"].text().startswith("64 × 48 px")
        qtbot.waitUntil(view.detail.preview.has_image, timeout=5000)
    else:
        assert view.detail.title.text() == "3 images selected"


def test_ctrl_z_takes_back_my_label_not_the_one_someone_else_made_since(
    qtbot, view, project, monkeypatch
):
    monkeypatch.setenv("LABELDESK_USER", "alice")
    mine, theirs = view.model.path(0), view.model.path(1)
    view.grid.select_row(0)
    qtbot.keyClick(view.grid, Qt.Key.Key_1)
    monkeypatch.setenv("LABELDESK_USER", "bob")  # bob labels on the shared project
    project.set_label(theirs, "dog")
    monkeypatch.setenv("LABELDESK_USER", "alice")
    with qtbot.waitSignal(view.labeling.message) as message:
        qtbot.keyClick(view.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert label_in_db(project, mine) is None
    assert label_in_db(project, theirs) == "dog"
    # whose change was taken back, not who took it back ("… by alice" read as that)
    assert message.args[0].startswith("Undid alice's “label 1 image as 'cat'”")
    with qtbot.waitSignal(view.labeling.message) as message:
        qtbot.keyClick(view.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert message.args[0].startswith("Nothing to undo for alice")
    assert "--batch" not in message.args[0]  # no command-line hints in the app
    assert label_in_db(project, theirs) == "dog"


def test_a_key_on_many_labeled_images_asks_first_and_esc_narrows_the_selection(
    qtbot, view, project, monkeypatch
):
    """Ctrl+A and one stray key relabeled every image, the test split too, at once; and
    Esc did not let go of the selection."""
    from labeldesk.gui import labeling as labeling_module

    monkeypatch.setattr(labeling_module, "CONFIRM_OVER", 2)
    asked: list[str] = []
    answer = [False]
    monkeypatch.setattr(
        view.labeling, "confirm", lambda title, text: asked.append(text) or answer[0]
    )
    before = project.images().set_index("path").label.to_dict()
    second = project.classes()[1]
    view.grid.select_row(0)
    view.grid.selectAll()
    qtbot.keyClick(view.grid, Qt.Key.Key_2)
    assert len(asked) == 1 and f"give them the label {second}?" in asked[0]
    relabeled = sum(1 for v in before.values() if isinstance(v, str) and v != second)
    assert f"{relabeled} images already have another label" in asked[0]
    assert project.images().set_index("path").label.to_dict() == before  # Cancel: nothing
    answer[0] = True
    qtbot.keyClick(view.grid, Qt.Key.Key_2)
    qtbot.waitUntil(lambda: set(project.images().label) == {second}, timeout=10000)
    qtbot.keyClick(view.grid, Qt.Key.Key_Escape)
    assert len(view.grid.selected_rows()) == 1


def test_the_keyboard_leaves_the_search_for_the_grid(qtbot, view, project):
    """Ctrl+F put the keyboard in the search field and there it stayed: Enter applied
    the filter, but arrows moved the text cursor and Esc did nothing."""
    search = view.sidebar.search
    search.setFocus()
    qtbot.waitUntil(search.hasFocus)
    qtbot.keyClicks(search, "cat")
    qtbot.keyClick(search, Qt.Key.Key_Return)
    assert view.grid.hasFocus()
    shown = view.model.paths_of_rows(np.arange(view.model.rowCount()))
    assert shown and all("cat" in p for p in shown)
    assert len(view.grid.selected_rows()) == 1  # a key labels the image the filter shows
    search.setFocus()
    qtbot.keyClick(search, Qt.Key.Key_Escape)  # clears the text first
    assert search.text() == "" and search.hasFocus()
    qtbot.keyClick(search, Qt.Key.Key_Escape)  # then leaves
    assert view.grid.hasFocus()
    search.setFocus()
    qtbot.keyClick(search, Qt.Key.Key_Down)
    assert view.grid.hasFocus()
