"""A scan in another process while the duplicate search runs (the app's search takes
minutes at scale): the search read the images, then the vectors, and matched them by
path, so a copy renamed in between stopped it with ``KeyError: 'test/ant/b2.jpg'``."""

from __future__ import annotations

import os

import pytest
from helpers import write_image

from labeldesk.core.create import create_and_index
from labeldesk.core.project import open_project
from labeldesk.ml import neighbors
from labeldesk.ml.duplicates import find_duplicates
from ml.fake_embeddings import store_near_copies

from .conftest import skimage_photo

DIM = 16


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_copy_renamed_during_the_search_is_still_found(tmp_path, monkeypatch, when):
    root = tmp_path / "images"
    (root / "train/ant").mkdir(parents=True)
    (root / "test/ant").mkdir(parents=True)
    photo = skimage_photo("astronaut").resize((128, 128))
    photo.save(root / "train/ant/a.png")
    photo.resize((100, 100)).save(root / "test/ant/b.jpg", quality=85)
    for i in range(8):
        write_image(root / f"train/bee/o{i}.png", size=(32, 32), fmt="PNG", seed=100 + i)
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    store_near_copies(project, lambda p: "ant/" in p, 0.1, "e", DIM)
    real = neighbors.neighbor_graph

    def rename_elsewhere() -> None:
        os.rename(root / "test/ant/b.jpg", root / "test/ant/b2.jpg")
        other = open_project(project.path)
        try:
            other.scan(workers=1)
        finally:
            other.close()

    def racing(*args, **kwargs):
        if when == "before":
            rename_elsewhere()
        graph = real(*args, **kwargs)
        if when == "after":
            rename_elsewhere()
        return graph

    monkeypatch.setattr(neighbors, "neighbor_graph", racing)
    with project:
        (group,) = find_duplicates(project)
        assert sorted(group.paths) == ["test/ant/b2.jpg", "train/ant/a.png"]
        assert group.leaks
