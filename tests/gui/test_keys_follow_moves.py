"""A key labels the picture on screen even when a scan in another process (or the app's
own, still running) moved files since the grid read them: the grid still shows the old
paths, and a path-keyed write put the label on whichever picture the path held now."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt

from labeldesk.core.project import open_project

U0, U1 = "_unlabeled/u0.png", "_unlabeled/u1.png"


def swap_and_scan(project) -> None:
    """Swap two files and let another process's scan follow them (ids keep their bytes)."""
    root = project.root
    os.rename(root / U0, root / "_unlabeled/tmp.png")
    os.rename(root / U1, root / U0)
    os.rename(root / "_unlabeled/tmp.png", root / U1)
    other = open_project(project.path)
    try:
        other.scan(workers=1)
    finally:
        other.close()


def labels(project, *ids: int) -> list[str | None]:
    states = {s.image_id: s.label for s in project.image_states(ids)}
    return [states[i] for i in ids]


def test_a_key_after_another_scan_swapped_files_labels_the_picture_seen(qtbot, view, project):
    ids = project.ids_for([U0, U1])
    view.grid.select_row(view.model.row_of_id(ids[U0]))
    view.grid.setFocus()
    swap_and_scan(project)
    assert project.paths_of([ids[U0]]) == [U1]
    qtbot.keyClick(view.grid, Qt.Key.Key_2)  # before the app has read the scan
    assert labels(project, ids[U0], ids[U1]) == ["dog", None]


def test_exclude_after_another_scan_swapped_files_excludes_the_picture_seen(qtbot, view, project):
    ids = project.ids_for([U0, U1])
    view.grid.select_row(view.model.row_of_id(ids[U0]))
    view.grid.setFocus()
    swap_and_scan(project)
    qtbot.keyClick(view.grid, Qt.Key.Key_X)
    states = {s.image_id: s.status for s in project.image_states(ids.values())}
    assert (states[ids[U0]], states[ids[U1]]) == ("excluded", None)


def test_a_key_on_an_image_a_scan_removed_writes_nothing_and_says_so(qtbot, view, project):
    ids = project.ids_for([U0, U1])
    errors: list[str] = []
    view.labeling.error.connect(errors.append)
    (project.root / U0).unlink()
    other = open_project(project.path)
    try:
        other.scan(workers=1)
    finally:
        other.close()
    view.grid.select_row(view.model.row_of_id(ids[U0]))
    view.grid.setFocus()
    qtbot.keyClick(view.grid, Qt.Key.Key_2)
    assert len(errors) == 1 and U0 in errors[0] and "nothing written" in errors[0]
    assert labels(project, ids[U1]) == [None]
