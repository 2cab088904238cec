"""The cached map follows a rescan without a new fit: an image moved or renamed keeps its
point (the cache was keyed by the images in path order, so a rename fitted the whole map
again and every point moved: 413 s at 1M images), removed images leave it, and only
images embedded since make it fit again."""

from __future__ import annotations

import os

import numpy as np
import pytest
from helpers import write_image

from labeldesk.ml import projection
from labeldesk.ml.map_data import map_points
from labeldesk.ml.projection import project_2d
from labeldesk.ml.store import current_store, project_vectors
from labeldesk.ml.vectors import VectorStore

from .fake_embeddings import DIM

MOVED, TO = "train/ant/ant3.png", "train/bee/zz-was-ant3.png"  # far apart in path order
GONE = "train/cow/cow4.png"


@pytest.fixture
def no_fit(monkeypatch):
    def fail(vectors, seed):
        raise AssertionError("fitted the map again")

    def forbid() -> None:
        monkeypatch.setitem(projection.METHODS, "pca", fail)

    return forbid


def positions(project) -> dict[str, tuple[float, float]]:
    paths, xy = project_2d(project, "pca")
    return {p: (float(x), float(y)) for p, (x, y) in zip(paths, xy, strict=True)}


def test_a_moved_image_keeps_its_point_and_a_removed_one_leaves(clustered_clean, no_fit):
    before = positions(clustered_clean)
    moved_id = clustered_clean.ids_for([MOVED])[MOVED]
    os.rename(clustered_clean.root / MOVED, clustered_clean.root / TO)
    (clustered_clean.root / GONE).unlink()
    clustered_clean.scan(workers=1)
    no_fit()
    after = positions(clustered_clean)
    assert after == {TO if p == MOVED else p: xy for p, xy in before.items() if p != GONE}
    points = map_points(clustered_clean, "pca")
    assert points.paths == project_vectors(clustered_clean).paths
    assert len(points.ids) == len(points.paths) == len(points.xy) == len(points.labels)
    assert points.paths[list(points.ids).index(moved_id)] == TO


def test_an_image_embedded_since_the_fit_fits_the_map_again(clustered_clean):
    before, _ = project_2d(clustered_clean, "pca")
    write_image(clustered_clean.root / "_unlabeled/new.png", size=(8, 8), fmt="PNG", seed=999)
    clustered_clean.scan(workers=1)
    assert project_2d(clustered_clean, "pca")[0] == before  # not embedded yet: not on the map
    digest = clustered_clean.images().set_index("path").loc["_unlabeled/new.png", "hash"]
    store = current_store(clustered_clean)
    with VectorStore.writer(store.folder, DIM) as writer:
        writer.append([digest], np.ones((1, DIM), dtype=np.float32) / np.sqrt(DIM))
    paths, xy = project_2d(clustered_clean, "pca")
    assert "_unlabeled/new.png" in paths and len(xy) == len(before) + 1
    assert np.isfinite(xy).all()
