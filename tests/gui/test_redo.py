"""Edit → Redo (Ctrl+Shift+Z, Ctrl+Y) makes again what Undo took back, names it in the
menu as Undo does, and is itself undone by Ctrl+Z; adding a class (Ctrl+K, the Add class
dialog) is a step that Ctrl+Z takes back."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QInputDialog

from labeldesk.gui.image_model import ImageRole

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = CTRL | Qt.KeyboardModifier.ShiftModifier


def label_in_db(project, path: str) -> str | None:
    return project.db.scalar("SELECT label FROM images WHERE path = ?", (path,))


def shown_label(view, row: int) -> str | None:
    return view.model.data(view.model.index(row), ImageRole.Label)


@pytest.mark.parametrize(
    "redo_key", [(Qt.Key.Key_Z, CTRL_SHIFT), (Qt.Key.Key_Y, CTRL)], ids=["ctrl-shift-z", "ctrl-y"]
)
def test_redo_keys_make_the_undone_label_again_and_ctrl_z_undoes_the_redo(
    qtbot, view, project, redo_key
):
    path = view.model.path(0)
    view.grid.select_row(0)
    qtbot.keyClick(view.grid, Qt.Key.Key_2)  # labels row 0, moves on to row 1
    qtbot.keyClick(view.grid, Qt.Key.Key_Z, CTRL)
    assert label_in_db(project, path) is None
    view.grid.select_row(2)
    qtbot.keyClick(view.grid, *redo_key)
    assert label_in_db(project, path) == "dog" and shown_label(view, 0) == "dog"
    assert list(view.grid.selected_rows()) == [0]  # the image it changed again
    qtbot.keyClick(view.grid, Qt.Key.Key_Z, CTRL)  # the redo is a step like any other
    assert label_in_db(project, path) is None and shown_label(view, 0) is None
    qtbot.keyClick(view.grid, *redo_key)
    assert label_in_db(project, path) == "dog"


def test_a_new_label_clears_redo_with_a_message(qtbot, view, project):
    view.grid.select_row(0)
    qtbot.keyClick(view.grid, Qt.Key.Key_1)
    qtbot.keyClick(view.grid, Qt.Key.Key_Z, CTRL)
    view.grid.select_row(1)
    qtbot.keyClick(view.grid, Qt.Key.Key_2)  # a new change
    with qtbot.waitSignal(view.labeling.message) as message:
        qtbot.keyClick(view.grid, Qt.Key.Key_Z, CTRL_SHIFT)
    assert message.args[0].startswith("Nothing to redo")
    assert label_in_db(project, view.model.path(0)) is None


def test_ctrl_z_after_the_add_class_dialog_removes_the_class(qtbot, view, project, monkeypatch):
    """Ctrl+Z after adding a class took back the label given before it instead."""
    path = view.model.path(0)
    view.grid.select_row(0)
    qtbot.keyClick(view.grid, Qt.Key.Key_1)
    monkeypatch.setattr(QInputDialog, "getText", lambda *args, **kwargs: ("bird", True))
    qtbot.keyClick(view.grid, Qt.Key.Key_K, CTRL)  # Classes → Add class…
    assert project.classes() == ["cat", "dog", "bird"]
    assert "bird" in view.labeling.label_actions[2].text()
    with qtbot.waitSignal(view.labeling.message) as message:
        qtbot.keyClick(view.grid, Qt.Key.Key_Z, CTRL)
    assert "removed the class 'bird' it had added" in message.args[0]
    assert project.classes() == ["cat", "dog"] and label_in_db(project, path) == "cat"
    assert "bird" not in view.labeling.label_actions[2].text()  # its key is free again
    qtbot.keyClick(view.grid, Qt.Key.Key_Y, CTRL)
    assert project.classes() == ["cat", "dog", "bird"]
    assert view.sidebar.class_list.topLevelItem(4).text(1) == "bird"


def test_the_edit_menu_names_what_undo_and_redo_would_do(qtbot, window, project):
    path = project.path
    project.close()
    assert window.open_project(path)
    labeling, edit = window.view.labeling, window.menus.edit_menu
    assert edit.actions().index(labeling.redo_action) == (
        edit.actions().index(labeling.undo_action) + 1
    )
    assert labeling.redo_action.shortcuts() == [
        QKeySequence("Ctrl+Shift+Z"),
        QKeySequence("Ctrl+Y"),
    ]
    edit.aboutToShow.emit()
    assert labeling.redo_action.text() == "&Redo"
    labeling.add_classes(["bird"])
    edit.aboutToShow.emit()
    assert labeling.undo_action.text() == "&Undo “add class 'bird'”"
    labeling.undo()
    edit.aboutToShow.emit()
    assert labeling.redo_action.text() == "&Redo “add class 'bird'”"
    labeling.redo()
    edit.aboutToShow.emit()
    assert labeling.redo_action.text() == "&Redo"
    assert labeling.undo_action.text() == "&Undo “add class 'bird'”"
    assert "bird" in window.project.classes()


def test_menu_commands_may_not_take_the_redo_keys(qtbot, window):
    from labeldesk.gui.hotkeys import HotkeysEditor

    editor = HotkeysEditor(window.menus.command_actions())
    qtbot.addWidget(editor)
    row = next(i for i, a in enumerate(editor.actions_) if a.objectName() == "statistics")
    for key in ("Ctrl+Shift+Z", "Ctrl+Y"):
        assert not editor.set_key(row, QKeySequence(key)), key
        assert "kept for redoing what was undone" in editor.note.text()


def test_a_big_redo_runs_in_the_background(qtbot, view, project, monkeypatch):
    from labeldesk.gui import labeling, row_refresh

    monkeypatch.setattr(labeling, "BACKGROUND_WRITE", 3)
    monkeypatch.setattr(row_refresh, "BACKGROUND_ROWS", 3)

    def finish() -> None:
        job = view.labeling.writing
        assert job is not None  # in the background: a job
        # (its end as the view takes it: a later slot than the one that sets job.running)
        qtbot.waitUntil(lambda: view.labeling.writing is None and not view.rows.busy)

    view.grid.setFocus()
    view.grid.selectAll()
    chosen = len(view.grid.selected_rows())
    qtbot.keyClick(view.grid, Qt.Key.Key_2)
    finish()
    after = project.images().label.to_dict()
    view.labeling.undo()
    finish()
    view.labeling.redo()
    finish()
    assert project.images().label.to_dict() == after
    assert view.catalog.label_counts(None)["dog"] == chosen


def test_a_redone_rename_counts_the_images_it_takes_along_for_the_background(
    qtbot, view, project, monkeypatch
):
    """A redone class rename also renames the images labeled with the old name since the
    undo (by someone else): counted, it runs in the background when they make it big."""
    from labeldesk.gui import labeling, row_refresh

    monkeypatch.setenv("LABELDESK_USER", "ann")
    cats = len(project.images().query("label == 'cat'"))
    project.rename_class("cat", "kitten")
    project.undo()
    monkeypatch.setenv("LABELDESK_USER", "bob")
    others = ["_unlabeled/u0.png", "_unlabeled/u1.png", "_unlabeled/u2.png"]
    project.set_labels(dict.fromkeys(others, "cat"))
    monkeypatch.setenv("LABELDESK_USER", "ann")
    # more than the rename's own images, fewer than with those it takes along
    monkeypatch.setattr(labeling, "BACKGROUND_WRITE", cats + 1)
    monkeypatch.setattr(row_refresh, "BACKGROUND_ROWS", 3)
    view.labeling.redo()
    job = view.labeling.writing
    assert job is not None  # in the background: a job
    qtbot.waitUntil(lambda: view.labeling.writing is None and not view.rows.busy)
    assert [label_in_db(project, p) for p in others] == ["kitten"] * 3
    assert "cat" not in set(project.images().label)


def test_redo_of_an_undo_that_changed_nothing_says_why(qtbot, view, project, monkeypatch):
    """Ctrl+Shift+Z said "Redid “…”: 0 images changed again" and not why."""
    path = view.model.path(0)
    view.grid.select_row(0)
    qtbot.keyClick(view.grid, Qt.Key.Key_2)
    monkeypatch.setenv("LABELDESK_USER", "someone-else")
    project.set_label(path, "cat")  # changed since by another person: an undo leaves it
    monkeypatch.delenv("LABELDESK_USER")
    qtbot.keyClick(view.grid, Qt.Key.Key_Z, CTRL)
    with qtbot.waitSignal(view.labeling.message) as message:
        qtbot.keyClick(view.grid, Qt.Key.Key_Z, CTRL_SHIFT)
    assert (
        "0 images changed again (nothing to make again: that undo had changed nothing"
        in (message.args[0])
    )
    assert label_in_db(project, path) == "cat"
