"""A file changed on disk since the last scan (edited, or swapped with another file) is
said so in the detail panel: a key labels the image as indexed, while the file may hold
another picture until a scan reads it; a rescan clears the note."""

from __future__ import annotations

import os

from helpers import write_image

from gui.test_keys_follow_moves import U0, U1


def select(view, project, path: str) -> None:
    view.grid.select_row(view.model.row_of_id(project.ids_for([path])[path]))


def test_a_file_swapped_on_disk_without_a_scan_is_said_in_the_detail_panel(view, project):
    select(view, project, U0)
    assert view.detail.disk_note.isHidden()
    root = project.root
    os.utime(root / U0, ns=(1, 1))  # two files of one size and time are not told apart
    os.rename(root / U0, root / "_unlabeled/tmp.png")  # swapped, no scan yet
    os.rename(root / U1, root / U0)
    os.rename(root / "_unlabeled/tmp.png", root / U1)
    select(view, project, U1)
    assert not view.detail.disk_note.isHidden()
    assert "Rescan" in view.detail.disk_note.text()
    project.scan(workers=1)
    select(view, project, U0)
    select(view, project, U1)
    assert view.detail.disk_note.isHidden()


def test_a_file_edited_in_place_or_removed_is_said_too(view, project):
    select(view, project, U0)
    write_image(project.root / U0, size=(40, 30), seed=99, fmt="PNG")  # edited in place
    os.utime(project.root / U0, ns=(1, 1))
    select(view, project, U1)
    assert view.detail.disk_note.isHidden()
    select(view, project, U0)
    assert not view.detail.disk_note.isHidden()
    (project.root / U1).unlink()
    assert project.changed_on_disk(project.ids_for([U1])[U1])
    view.detail.show_none()
    assert view.detail.disk_note.isHidden()
