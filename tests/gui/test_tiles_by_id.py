"""A tile is the picture of the image id it is cached under (the id a key on it writes
to): loaded by id, never by the path the grid held when it asked, which may hold another
picture by now (a scan followed swapped files) or other bytes than the id's (not scanned
yet)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import write_image
from PySide6.QtGui import QImage


def centre_blue(image: QImage) -> int:
    return image.pixelColor(image.width() // 2, image.height() // 2).blue()


def swap(a: Path, b: Path) -> None:
    os.replace(a, a.with_name("swap.tmp"))
    os.replace(b, a)
    os.replace(a.with_name("swap.tmp"), b)


@pytest.mark.parametrize(
    "size, outside",
    [((300, 200), True), ((28, 28), True), ((28, 28), False)],
    ids=["thumbnail-other-process-scan", "tiny-other-process-scan", "tiny-app-scan"],
)
def test_a_tile_painted_before_the_app_followed_a_swap_shows_its_own_picture(
    qtbot, window, tmp_path, size, outside
):
    from labeldesk.core.create import create_and_index
    from labeldesk.core.project import open_project

    root = tmp_path / "imgs" / "cat"
    write_image(root / "a.png", size=size, color=(255, 0, 0), fmt="PNG")
    write_image(root / "b.png", size=size, color=(0, 0, 255), fmt="PNG")
    create_and_index(tmp_path / "proj", tmp_path / "imgs", workers=1)[0].close()
    assert window.open_project(tmp_path / "proj")
    view, loader = window.view, window.view.loader
    red = window.project.ids_for(["cat/a.png"])["cat/a.png"]
    swap(root / "a.png", root / "b.png")
    if outside:  # `labeldesk scan` in a terminal follows the swap
        other = open_project(tmp_path / "proj")
        other.scan(workers=1)
        other.close()
    # The grid paints the red image's tile where it was, before it hears of any scan.
    assert loader.pixmap(red, "cat/a.png", *size) is None
    qtbot.waitUntil(lambda: red in loader._cache or loader.failed(red))
    if outside:
        assert window.session.check_outside_writes()
    else:
        job = window.rescan()
        assert job is not None
        qtbot.waitUntil(lambda: not job.running, timeout=20000)
    qtbot.waitUntil(lambda: view.fill_job is not None and not view.fill_job.running)
    assert window.project.ids_for(["cat/b.png"])["cat/b.png"] == red  # it followed its bytes
    qtbot.waitUntil(lambda: loader.pixmap(red, "cat/b.png", *size) is not None)
    assert centre_blue(loader.pixmap(red, "cat/b.png", *size).toImage()) < 50  # red, as it is


def test_a_tile_whose_thumbnail_does_not_decode_is_made_again(project):
    from labeldesk.gui.thumbnails import ThumbRequest, project_image_loader

    path = "train/cat/cat0.jpg"
    image_id = project.ids_for([path])[path]
    thumb = project.thumbnail(path)
    good = thumb.read_bytes()
    thumb.write_bytes(b"\xff\xd8" + bytes(200) + b"\xff\xd9")  # looks whole, is not
    tile = project_image_loader(project, 64)(ThumbRequest(image_id, path, 4000, 3000))
    assert not tile.isNull() and thumb.read_bytes() == good


def test_a_tile_that_failed_is_tried_again_after_a_scan(qtbot, view, project, monkeypatch):
    """A thumbnail that could not be made when shown (no space left, an unreadable file)
    is made by the next scan or shown then; the tile does not stay unreadable for good."""
    from labeldesk.core.errors import ProjectError

    path = "train/cat/cat1.jpg"
    image_id = project.ids_for([path])[path]
    real, calls = type(project).thumbnail_of, []

    def full_disk_once(self, image_id, *, remake=False):
        calls.append(image_id)
        if len(calls) == 1:
            raise ProjectError(f"{path}: thumbnail not written: No space left on device")
        return real(self, image_id, remake=remake)

    monkeypatch.setattr(type(project), "thumbnail_of", full_disk_once)
    loader = view.loader
    loader.forget([image_id])
    assert loader.pixmap(image_id, path, 4000, 3000) is None
    qtbot.waitUntil(lambda: loader.failed(image_id))
    project.scan(workers=1)  # nothing changed, but the disk has room again
    qtbot.waitUntil(lambda: view.fill_job is not None and not view.fill_job.running)
    assert not loader.failed(image_id)
    qtbot.waitUntil(lambda: loader.pixmap(image_id, path, 4000, 3000) is not None)
