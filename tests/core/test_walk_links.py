"""A folder reached both by its own path and through a symbolic link inside the image
folder is indexed at its own path, whatever order the file system lists them in."""

from __future__ import annotations

import os

import pytest
from helpers import write_image

from labeldesk.core import walk
from labeldesk.core.create import create_and_index
from labeldesk.core.walk import walk_images


@pytest.fixture(params=[False, True], ids=["as-listed", "reversed"])
def listing_order(request, monkeypatch):
    """Both orders of os.scandir's listing: it is the file system's, not sorted."""
    real_scandir = os.scandir

    def scandir(path):
        entries = sorted(real_scandir(path), key=lambda e: e.name)
        return iter(entries[::-1] if request.param else entries)

    monkeypatch.setattr(walk.os, "scandir", scandir)


def test_a_linked_class_folder_does_not_take_the_real_ones_images(tmp_path, listing_order):
    root = tmp_path / "img"
    write_image(root / "dog" / "a.jpg", seed=1)
    write_image(root / "train" / "cat" / "b.jpg", seed=2)
    (root / "dogalias").symlink_to("dog", target_is_directory=True)
    (root / "latest").symlink_to("train", target_is_directory=True)
    (root / "dog" / "up").symlink_to("..", target_is_directory=True)
    walked = walk_images(root)
    assert set(walked.files) == {"dog/a.jpg", "train/cat/b.jpg"}
    assert walked.linked_twice == [("dogalias", "dog"), ("latest", "train")]  # not "up"


def test_the_project_gets_the_real_folders_class(tmp_path, listing_order):
    root = tmp_path / "img"
    write_image(root / "dog" / "a.jpg", seed=1)
    (root / "dogalias").symlink_to("dog", target_is_directory=True)
    project, counts = create_and_index(tmp_path / "p", root, workers=1)
    with project:
        assert project.classes() == ["dog"]
        [warning] = [w for w in counts.warnings if "symbolic link" in w]
        assert "1 symbolic link inside the image folder leads to" in warning
        assert warning.endswith("dogalias -> dog")
        frame = project.images()
        assert dict(zip(frame.path, frame.label, strict=True)) == {"dog/a.jpg": "dog"}


def test_two_links_to_a_folder_outside_give_the_first_name(tmp_path, listing_order):
    root, outside = tmp_path / "img", tmp_path / "elsewhere"
    write_image(outside / "a.jpg", seed=1)
    (root / "b-link").mkdir(parents=True)
    (root / "b-link" / "cat").symlink_to(outside, target_is_directory=True)
    (root / "a-link").symlink_to(outside, target_is_directory=True)
    assert set(walk_images(root, follow_outside=True).files) == {"a-link/a.jpg"}


def test_a_link_to_a_folder_left_out_is_not_said_to_be_indexed(tmp_path, listing_order):
    root = tmp_path / "img"
    write_image(root / "cat" / "a.jpg", seed=1)
    (root / "export").mkdir()
    (root / "export" / "labeldesk-export.json").write_text("{}")
    (root / "export-link").symlink_to("export", target_is_directory=True)
    walked = walk_images(root)
    assert set(walked.files) == {"cat/a.jpg"} and walked.linked_twice == []
