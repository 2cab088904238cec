"""2-D maps: one row per embedded image, cached per embedding version, clusters kept apart."""

from __future__ import annotations

import numpy as np
import pytest

from labeldesk.core.errors import Cancelled
from labeldesk.core.progress import CancelToken, Progress
from labeldesk.ml import projection
from labeldesk.ml.projection import project_2d
from labeldesk.ml.store import embeddings_dir, project_vectors

from .fake_embeddings import CLASSES, make_clustered_project


@pytest.fixture
def clustered(tmp_path):
    project, _ = make_clustered_project(tmp_path, flipped=0)
    yield project
    project.close()


def test_one_2d_point_per_embedded_image(clustered):
    reports: list[Progress] = []
    paths, xy = project_2d(clustered, "pca", progress=reports.append)
    assert paths == project_vectors(clustered).paths
    assert xy.shape == (len(paths), 2)
    assert xy.dtype == np.float32
    assert np.isfinite(xy).all()
    assert reports[-1].done == reports[-1].total == 1


def test_second_call_reads_the_cache(clustered, monkeypatch):
    paths, xy = project_2d(clustered, "pca")
    key = project_vectors(clustered).key
    assert len(list((embeddings_dir(clustered) / key).glob("map-pca-*.npy"))) == 1

    def fail(vectors, seed):
        raise AssertionError("recomputed instead of reading the cache")

    monkeypatch.setitem(projection.METHODS, "pca", fail)
    again_paths, again = project_2d(clustered, "pca")
    assert again_paths == paths
    np.testing.assert_array_equal(again, xy)


def test_clusters_stay_apart_in_2d(clustered):
    _, xy = project_2d(clustered, "pca")
    labels = project_vectors(clustered).labels
    centres, spreads = [], []
    for name in CLASSES:
        pts = xy[[i for i, lab in enumerate(labels) if lab == name]]
        centres.append(pts.mean(axis=0))
        spreads.append(np.linalg.norm(pts - pts.mean(axis=0), axis=1).mean())
    gaps = [
        np.linalg.norm(centres[a] - centres[b])
        for a in range(len(CLASSES))
        for b in range(a + 1, len(CLASSES))
    ]
    assert min(gaps) > 2 * max(spreads)


def test_cancelled_before_the_fit(clustered):
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        project_2d(clustered, "pca", cancel=token)


def test_unknown_method_is_refused(clustered):
    with pytest.raises(ValueError, match="unknown projection"):
        project_2d(clustered, "tsne-please")
