"""Writes another process makes while the project is open (`labeldesk label`, `classes
--rename`, `scan` in a terminal) reach the open window: grid, class keys and counts."""

from __future__ import annotations

from helpers import write_image
from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt

from labeldesk.core.project import open_project
from labeldesk.gui.image_model import ImageRole


def shown_label(view, path: str) -> object:
    row = view.model.row_of_id(view.project.ids_for([path])[path])
    return view.model.data(view.model.index(row), ImageRole.Label)


def test_another_process_writes_reach_the_open_browser(qtbot, view, project):
    other = open_project(project.path)  # as the command line would, on its own connection
    try:
        other.set_label("_unlabeled/u0.png", "dog")
        other.rename_class("cat", "kitten")
        write_image(project.root / "train" / "dog" / "new.jpg", seed=999)
        other.scan()
    finally:
        other.close()
    # The session's timer looks every OUTSIDE_POLL_MS.
    qtbot.waitUntil(lambda: shown_label(view, "_unlabeled/u0.png") == "dog", timeout=10000)
    qtbot.waitUntil(lambda: view.fill_job is not None and not view.fill_job.running)
    assert view.catalog.classes == ["kitten", "dog"]
    assert view.labeling.label_actions[0].text() == "&1  kitten"
    assert view.model.rowCount() == 20
    assert view.catalog.label_counts(None) == {"kitten": 8, "dog": 10, None: 2}

    errors: list[str] = []
    view.labeling.error.connect(errors.append)
    u1 = project.ids_for(["_unlabeled/u1.png"])["_unlabeled/u1.png"]
    view.grid.select_row(view.model.row_of_id(u1))
    view.grid.setFocus()
    qtbot.keyClick(view.grid, Qt.Key.Key_1)  # the key names today's class
    assert errors == []
    assert project.image_states([u1])[0].label == "kitten"


def test_the_apps_own_writes_are_not_read_twice(qtbot, view, project):
    heard: list[object] = []
    view.session.changed.connect(heard.append)
    u0 = project.ids_for(["_unlabeled/u0.png"])["_unlabeled/u0.png"]
    view.grid.select_row(view.model.row_of_id(u0))
    qtbot.keyClick(view.grid, Qt.Key.Key_2)
    view.labeling.add_classes(["bird"])
    assert not view.session.check_outside_writes()
    assert [c.all_images for c in heard] == [False, False]  # the key and the class only
    assert view.fill_job is None  # no re-read of every image


def test_the_selection_survives_another_process_write(qtbot, view, project):
    """Every outside write re-reads all rows; the selection used to collapse to its first
    image (or jump to row 0), so the next key labeled images the person never chose."""
    rows = list(range(2, 7))
    chosen = set(view.model.paths_of_rows(rows))
    model, chooser = view.model, view.grid.selectionModel()
    chooser.select(
        QItemSelection(model.index(rows[0]), model.index(rows[-1])),
        QItemSelectionModel.SelectionFlag.ClearAndSelect,
    )
    chooser.setCurrentIndex(model.index(rows[-1]), QItemSelectionModel.SelectionFlag.NoUpdate)
    other = open_project(project.path)
    try:
        other.set_label("_unlabeled/u1.png", "dog")  # not one of the chosen
    finally:
        other.close()
    qtbot.waitUntil(lambda: shown_label(view, "_unlabeled/u1.png") == "dog", timeout=10000)
    qtbot.waitUntil(lambda: view.fill_job is not None and not view.fill_job.running)
    assert set(view.model.paths_of_rows(view.grid.selected_rows())) == chosen
    assert view.model.path(view.grid.currentIndex().row()) in chosen

    view.sidebar.select_class(None, unlabeled=True)
    qtbot.waitUntil(lambda: view.model.rowCount() > 0)
    view.grid.select_row(0)
    target = view.model.path(0)
    other = open_project(project.path)
    try:
        other.set_label(target, "cat")  # it leaves the filter
    finally:
        other.close()
    rows = view.model.rowCount()
    qtbot.waitUntil(lambda: view.model.rowCount() == rows - 1, timeout=10000)
    assert len(view.grid.selected_rows()) == 0  # nothing chosen for the person


def click(qtbot, grid, row, modifier=Qt.KeyboardModifier.NoModifier):
    rect = grid.visualRect(grid.model().index(row, 0))
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


def reread(qtbot, view):
    job = view.fill_in()
    qtbot.waitUntil(lambda: not job.running, timeout=10000)
    qtbot.wait(50)


def test_shift_click_extends_from_the_same_tile_after_a_re_read(qtbot, view):
    grid = view.grid
    click(qtbot, grid, 3)
    click(qtbot, grid, 7, Qt.KeyboardModifier.ShiftModifier)
    reread(qtbot, view)
    assert grid.selected_rows().tolist() == [3, 4, 5, 6, 7]
    click(qtbot, grid, 10, Qt.KeyboardModifier.ShiftModifier)
    assert grid.selected_rows().tolist() == list(range(3, 11))  # not 7-10


def test_an_empty_selection_stays_empty_after_a_re_read(qtbot, view, project):
    """It became the first image, and the next digit labeled it."""
    grid = view.grid
    click(qtbot, grid, 5)
    grid.selectionModel().clearSelection()
    reread(qtbot, view)
    assert grid.selected_rows().tolist() == []
    before = project.images().label.tolist()
    qtbot.keyClick(grid, Qt.Key.Key_2)
    assert project.images().label.tolist() == before


def test_a_view_empty_under_a_filter_selects_nothing_when_an_image_arrives(qtbot, view, project):
    from labeldesk.browse.image_records import ImageFilter

    view.apply_filter(ImageFilter(search="zzz_new"))
    assert view.model.rowCount() == 0
    write_image(project.root / "_unlabeled" / "zzz_new.jpg", seed=77)
    project.scan(workers=1)
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=10000)
    qtbot.waitUntil(lambda: view.fill_job is not None and not view.fill_job.running)
    assert len(view.grid.selected_rows()) == 0


def test_a_project_of_only_unreadable_files_selects_its_first_image_when_one_arrives(
    qtbot, tmp_path
):
    from labeldesk.core.create import create_and_index
    from labeldesk.gui.project_view import ProjectView

    root = tmp_path / "images"
    (root / "cat").mkdir(parents=True)
    (root / "cat" / "partial.jpg").write_bytes(b"\xff\xd8\xff")  # still being copied
    project, _ = create_and_index(tmp_path / "p", root, workers=1)
    view = ProjectView(project)
    qtbot.addWidget(view)
    view.show()
    try:
        assert view.model.rowCount() == 0 and len(view.catalog) == 1
        write_image(root / "cat" / "a.jpg", seed=1)
        project.scan(workers=1)
        qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=10000)
        qtbot.waitUntil(lambda: view.fill_job is not None and not view.fill_job.running)
        assert view.grid.selected_rows().tolist() == [0]
    finally:
        view.shutdown()
        project.close()


def test_an_empty_selection_in_a_view_of_unreadable_files_stays_empty(qtbot, tmp_path):
    from labeldesk.browse.image_records import ImageFilter
    from labeldesk.core.create import create_and_index
    from labeldesk.gui.project_view import ProjectView

    root = tmp_path / "images"
    (root / "cat").mkdir(parents=True)
    for name in ("a.jpg", "b.jpg"):
        (root / "cat" / name).write_bytes(b"\xff\xd8\xff")
    project, _ = create_and_index(tmp_path / "p", root, workers=1)
    view = ProjectView(project)
    qtbot.addWidget(view)
    view.show()
    try:
        view.apply_filter(ImageFilter(show="skipped"))
        assert view.model.rowCount() == 2
        view.grid.selectionModel().clearSelection()
        (root / "cat" / "c.jpg").write_bytes(b"\xff\xd8\xff")
        project.scan(workers=1)
        qtbot.waitUntil(lambda: view.model.rowCount() == 3, timeout=10000)
        qtbot.waitUntil(lambda: view.fill_job is not None and not view.fill_job.running)
        assert len(view.grid.selected_rows()) == 0
    finally:
        view.shutdown()
        project.close()


def test_labels_another_process_writes_are_scored_again(qtbot, view, project):
    """The model's scores ("about N wrong labels", the flags) follow a colleague's labels
    as they follow this window's: they stayed as they were until the app was reopened."""
    view.feed._timer.setInterval(50)  # (the pause after the last change)
    qtbot.waitUntil(lambda: view.feed.job is not None and not view.feed.job.running)
    computed: list[object] = []
    view.feed.updated.connect(computed.append)
    other = open_project(project.path)
    try:
        other.set_label("_unlabeled/u1.png", "dog")
    finally:
        other.close()
    qtbot.waitUntil(lambda: shown_label(view, "_unlabeled/u1.png") == "dog", timeout=10000)
    qtbot.waitUntil(lambda: len(computed) == 1, timeout=10000)
