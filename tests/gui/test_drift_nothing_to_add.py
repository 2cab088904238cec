"""A drift check that shows no image to add left the gallery a large blank, both Add
buttons off, with no word on why (seen checking a folder inside the image folder: all
its images are the project's own, exact copies, not shown). The gallery says why."""

from __future__ import annotations

import shutil

import pytest

from gui.drift_pages import drift_page_over_new_project

pytest.importorskip("torch")


@pytest.fixture
def page(qtbot, tmp_path):
    with drift_page_over_new_project(qtbot, tmp_path) as widget:
        yield widget


def _checked(qtbot, page, folder):
    job = page.check(folder)
    assert job is not None
    qtbot.waitUntil(lambda: not job.running, timeout=120_000)
    qtbot.waitUntil(lambda: page.report is not None, timeout=10_000)


def test_a_folder_inside_the_image_folder_says_there_is_nothing_to_add(qtbot, page):
    inside = page.project.root / "train"
    _checked(qtbot, page, inside)
    assert page.gallery.count() == 0
    assert page.gallery_area.currentWidget() is page.gallery_hint
    assert page.gallery_hint.text() == (
        f"{inside} is inside the project's image folder ({page.project.root}): its images "
        "are already in the project, so there is nothing to add."
    )
    assert not page.add_all_button.isEnabled()


def test_a_folder_of_copies_of_project_images_says_there_is_nothing_to_add(qtbot, page, tmp_path):
    copies = tmp_path / "copies"
    shutil.copytree(page.project.root / "train", copies)
    _checked(qtbot, page, copies)
    assert page.gallery.count() == 0
    assert page.gallery_area.currentWidget() is page.gallery_hint
    assert page.gallery_hint.text() == (
        "Nothing to add: every image in this folder is a copy of one in the project."
    )
