"""An image a scan removed (its file deleted) is said to be gone in the detail panel: its
preview was loaded from its old path, so it showed whichever file lives there now (or
"Cannot show this image (see Status)" when none does), as if the image were still there."""

from __future__ import annotations

import os

from gui.test_keys_follow_moves import U0, U1
from labeldesk.core.project import open_project
from labeldesk.gui.image_display import ImageLoader
from labeldesk.gui.session import OUTSIDE_CHANGES

GONE = "no longer in the project"


def scan_elsewhere(project) -> None:
    """A scan in another process (a terminal): the app has not read it yet."""
    other = open_project(project.path)
    try:
        other.scan(workers=1)
    finally:
        other.close()


def remove_u0_then_move_u1_onto_its_path(project) -> None:
    """U0 deleted and scanned away, then U1's file moved to U0's old path (not scanned)."""
    root = project.root
    (root / U0).unlink()
    scan_elsewhere(project)
    os.rename(root / U1, root / U0)


def test_a_removed_image_is_said_gone_not_shown_as_the_file_now_at_its_path(qtbot, view, project):
    ids = project.ids_for([U0, U1])
    view.grid.select_row(view.model.row_of_id(ids[U1]))  # U0's picture not cached
    view.detail.previews.clear()
    remove_u0_then_move_u1_onto_its_path(project)
    view.grid.select_row(view.model.row_of_id(ids[U0]))  # still listed: scan not read
    detail = view.detail
    qtbot.waitUntil(lambda: detail.preview.has_image() or GONE in detail.preview._text.lower())
    qtbot.wait(200)  # a load of the old path, if one was asked for, lands meanwhile
    assert not detail.preview.has_image(), "showed the file that took the removed image's path"
    assert GONE in detail.preview._text.lower()
    assert not detail.disk_note.isHidden() and GONE in detail.disk_note.text()
    assert detail.fields["Path"].text() == U0  # which image it was
    view.grid.select_row(view.model.row_of_id(ids[U1]))  # moved, not scanned: still here
    qtbot.waitUntil(detail.preview.has_image, timeout=5000)
    assert GONE not in detail.disk_note.text() and "changed on disk" in detail.disk_note.text()


def test_the_shown_image_is_said_gone_as_soon_as_a_scan_removes_it(qtbot, view, project):
    ids = project.ids_for([U0, U1])
    view.grid.select_row(view.model.row_of_id(ids[U0]))
    qtbot.waitUntil(view.detail.preview.has_image, timeout=5000)
    (project.root / U0).unlink()
    scan_elsewhere(project)
    view.apply_changes(OUTSIDE_CHANGES)  # (re-reading 1M rows takes seconds: not waited for)
    assert not view.detail.preview.has_image()
    assert GONE in view.detail.preview._text.lower()
    qtbot.waitUntil(lambda: view.detail.title.text() == "No image selected", timeout=5000)


def test_the_loader_never_loads_another_file_for_a_removed_image(qtbot, project):
    ids = project.ids_for([U0, U1])
    remove_u0_then_move_u1_onto_its_path(project)
    loader = ImageLoader(project)
    loaded: list[str] = []
    gone: list[str] = []
    loader.loaded.connect(lambda path, image: loaded.append(path))
    if hasattr(loader, "gone"):
        loader.gone.connect(gone.append)
    try:
        loader.request([U0], 512, {U0: ids[U0]})
        loader._pool.waitForDone(5000)
        qtbot.wait(100)  # the answer is queued to this thread
        assert loaded == [] and loader.cached(U0) is None, "loaded another file for it"
        assert gone == [U0]
        loader.clear()  # (forgets the ids too)
        with qtbot.waitSignal(loader.loaded, timeout=5000):  # by path (the review): as before
            loader.request([U0], 512)
    finally:
        loader.shutdown()
