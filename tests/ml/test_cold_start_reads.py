"""The cold start (TypiClust, while labels are few) reads a bounded number of vectors: a
pool larger than typiclust.MAX_POINTS is clustered on a seeded sample, and the queue
makes no predictions for it (they read every vector and the strategy uses none). A pool
within the bound gives the images it gave before."""

from __future__ import annotations

import numpy as np
import pytest

from labeldesk.ml import queue as queue_module
from labeldesk.ml import store as store_module
from labeldesk.ml.queue import next_to_label
from labeldesk.ml.store import embeddings_dir, forget_shared_vectors, project_vectors
from labeldesk.ml.strategies import QueryContext, typiclust
from labeldesk.ml.vectors import VectorStore

from .fake_embeddings import make_clustered_project


class CountingRows:
    """An (N, d) array that counts the rows read through it."""

    ndim = 2

    def __init__(self, x: np.ndarray):
        self._x = x
        self.shape = x.shape
        self.dtype = x.dtype
        self.read = 0

    def __len__(self) -> int:
        return len(self._x)

    def __getitem__(self, key):
        rows = self._x[key]
        self.read += 1 if rows.ndim == 1 else len(rows)
        return rows

    def __array__(self, dtype=None, copy=None):
        self.read += len(self._x)
        return self._x if dtype is None else self._x.astype(dtype)


def pool(n: int, dim: int = 16, groups: int = 8, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(groups, dim)) * 3
    x = centres[rng.integers(0, groups, n)] + rng.normal(size=(n, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float16)


def context(x, labels: np.ndarray, candidates: np.ndarray | None = None) -> QueryContext:
    return QueryContext(
        embeddings=x,
        labeled_mask=labels >= 0,
        candidate_mask=labels < 0 if candidates is None else candidates,
        labels=labels,
        n_classes=4,
        seed=3,
    )


def test_a_large_pool_is_clustered_on_a_sample_of_bounded_size(monkeypatch):
    monkeypatch.setattr(typiclust, "MAX_POINTS", 300, raising=False)
    monkeypatch.setattr(typiclust, "MAX_LABELED", 100, raising=False)
    x = CountingRows(pool(3000))
    labels = np.full(3000, -1)
    labels[:40] = np.arange(40) % 4  # a few labels, all kept in the sample
    picked = typiclust.typiclust(context(x, labels), 10)
    assert x.read <= 300  # every row was read to place it in a cluster (3,000)
    assert len(picked.indices) == 10 and (labels[picked.indices] < 0).all()
    again = typiclust.typiclust(context(CountingRows(x._x), labels), 10)
    np.testing.assert_array_equal(again.indices, picked.indices)  # seeded


def test_the_sample_keeps_the_labeled_rows_and_enough_candidates(monkeypatch):
    x = pool(3000)
    labels = np.full(3000, -1)
    labels[::100] = np.arange(30) % 4
    candidates = np.zeros(3000, bool)
    candidates[[7, 1507, 2999, 450, 12, 808, 1999, 2500]] = True  # 8 of 2,970 unlabeled
    ctx = context(x, labels, candidates)
    rows = typiclust.sample_rows(ctx, 6, 200, 100)
    assert rows is not None and len(rows) == 200 and (np.diff(rows) > 0).all()
    assert set(np.flatnonzero(labels >= 0)) <= set(rows)
    assert candidates[rows].sum() >= 6
    monkeypatch.setattr(typiclust, "MAX_POINTS", 200)
    picked = typiclust.typiclust(ctx, 6).indices
    assert len(picked) == 6 and candidates[picked].all()
    assert typiclust.sample_rows(ctx, 6, 3000, 100) is None  # within the bound: whole


def cold_project(tmp_path):
    project, _ = make_clustered_project(tmp_path, unlabeled=40)
    project.set_labels({p: None for p in project.images().path})
    return project


def old_cold_start(project, n, monkeypatch, *, all_splits=False):
    """The cold start as it was: every vector read, the predictions made first."""
    with monkeypatch.context() as m:
        m.setattr(queue_module, "mapped_project_vectors", project_vectors)
        m.setattr(queue_module, "predictions_if_cached", lambda *_a: None)
        m.setattr(queue_module, "meaningful", lambda *_a: True, raising=False)
        return next_to_label(project, n, "auto", all_splits=all_splits)


def made_caches(project) -> list[str]:
    folder = embeddings_dir(project)
    return sorted(p.name for p in folder.glob("*/*") if p.name.startswith(("predictions", "knn")))


def test_the_cold_start_makes_no_predictions_and_reads_a_sample(tmp_path, monkeypatch):
    project = cold_project(tmp_path)
    with project:
        monkeypatch.setattr(typiclust, "MAX_POINTS", 60, raising=False)
        forget_shared_vectors()

        def whole(*_a, **_k):
            raise AssertionError("every vector was read")

        monkeypatch.setattr(store_module, "_gather_shared", whole)
        read: list[int] = []
        original = VectorStore.read
        monkeypatch.setattr(
            VectorStore, "read", lambda self, rows: read.append(len(rows)) or original(self, rows)
        )
        found = next_to_label(project, 6, "auto")
        assert len(found.rows) == 6 and all(r["predicted"] is None for r in found.rows)
        assert sum(read) <= 60  # of 180 embedded images
        assert made_caches(project) == []  # no predictions, no kNN graph made for it


@pytest.mark.parametrize("all_splits", [False, True])
def test_a_small_cold_start_picks_what_it_picked_with_predictions(
    tmp_path, monkeypatch, all_splits
):
    project = cold_project(tmp_path)
    with project:
        before = old_cold_start(project, 8, monkeypatch, all_splits=all_splits)
        forget_shared_vectors()
        for cache in embeddings_dir(project).glob("*/predictions-*.npz"):
            cache.unlink()
        now = next_to_label(project, 8, "auto", all_splits=all_splits)
        assert now.rows == before.rows and now.held_out == before.held_out
        assert len(now.rows) == 8


def test_one_class_labeled_is_still_a_cold_start_without_predictions(tmp_path, monkeypatch):
    project = cold_project(tmp_path)
    with project:
        train = [p for p in project.images().path if p.startswith("train/ant/")]
        project.set_labels(dict.fromkeys(train[:5], "ant"))
        before = old_cold_start(project, 8, monkeypatch)
        for cache in embeddings_dir(project).glob("*/predictions-*.npz"):
            cache.unlink()
        now = next_to_label(project, 8, "auto")
        assert now.rows == before.rows
        assert not any(name.startswith("predictions") for name in made_caches(project))
        bee = [p for p in project.images().path if p.startswith("train/bee/")][:2]
        project.set_labels(dict.fromkeys(bee, "bee"))  # two classes: predictions made
        assert all(r["predicted"] for r in next_to_label(project, 8, "auto").rows)
        assert any(name.startswith("predictions") for name in made_caches(project))
