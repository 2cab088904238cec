"""The queue reads the rows its strategy looks at, not every vector as float32 (0.5 GB
at 100k images): the same images as when it read them all, and no read of all of them
once the predictions are cached."""

from __future__ import annotations

import numpy as np
import pytest

from labeldesk.browse.review_lists import compute_items
from labeldesk.ml import queue as queue_module
from labeldesk.ml import store as store_module
from labeldesk.ml.predictions import project_predictions
from labeldesk.ml.queue import next_to_label
from labeldesk.ml.store import forget_shared_vectors, mapped_project_vectors, project_vectors
from labeldesk.ml.store_rows import StoreRows

from .fake_embeddings import make_clustered_project

STRATEGIES = ("auto", "typiclust", "uncertainty_herding", "margin", "entropy")


def all_vectors_read(project, n, strategy, *, all_splits=False, monkeypatch):
    """The queue as it was chosen before: every vector read as float32 (the old path)."""
    with monkeypatch.context() as m:
        m.setattr(queue_module, "mapped_project_vectors", project_vectors)
        m.setattr(queue_module, "predictions_if_cached", lambda *_a: None)
        return next_to_label(project, n, strategy, all_splits=all_splits)


def no_whole_read(monkeypatch):
    def whole(*_a, **_k):
        raise AssertionError("every vector was read")

    forget_shared_vectors()
    monkeypatch.setattr(store_module, "_gather_shared", whole)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_the_same_images_as_reading_every_vector(tmp_path, monkeypatch, strategy):
    project, _ = make_clustered_project(tmp_path, unlabeled=40)
    with project:
        project_predictions(project)  # cached, as `issues` or the app leave them
        assert isinstance(mapped_project_vectors(project).vectors, StoreRows)
        for all_splits in (False, True):
            before = all_vectors_read(project, 8, strategy, all_splits=all_splits,
                                      monkeypatch=monkeypatch)  # fmt: skip
            forget_shared_vectors()
            now = next_to_label(project, 8, strategy, all_splits=all_splits)
            assert now.rows == before.rows and now.held_out == before.held_out
            assert len(now.rows) == 8


def test_the_cold_start_picks_the_same_images(tmp_path, monkeypatch):
    project, _ = make_clustered_project(tmp_path, unlabeled=40)
    with project:
        project.set_labels({p: None for p in project.images().path})
        project_predictions(project)
        before = all_vectors_read(project, 6, "auto", monkeypatch=monkeypatch)
        no_whole_read(monkeypatch)
        now = next_to_label(project, 6, "auto")
        assert now.rows == before.rows and all(r["predicted"] is None for r in now.rows)


def test_rows_out_of_the_stores_order_give_the_same_images(tmp_path, monkeypatch):
    """An image removed since embedding: the project's rows are no longer the store's
    first rows, and are gathered as stored (float16), not as float32."""
    project, _ = make_clustered_project(tmp_path, unlabeled=40)
    with project:
        first = sorted(project.images().path)[0]
        (project.root / first).unlink()
        project.scan()
        project_predictions(project)
        vectors = mapped_project_vectors(project)
        assert vectors.vectors.dtype == np.float16 and first not in vectors.paths
        for strategy in ("auto", "typiclust"):
            before = all_vectors_read(project, 8, strategy, monkeypatch=monkeypatch)
            assert next_to_label(project, 8, strategy).rows == before.rows


def test_no_read_of_every_vector_once_predictions_are_cached(tmp_path, monkeypatch):
    project, _ = make_clustered_project(tmp_path, unlabeled=40)
    with project:
        expected = next_to_label(project, 8).rows  # computes and caches the predictions
        app_expected = compute_items(project, "queue").items
        no_whole_read(monkeypatch)
        assert next_to_label(project, 8).rows == expected  # the CLI's and the API's
        assert compute_items(project, "queue").items == app_expected  # the app's queue page


def test_predictions_not_made_yet_are_still_made(tmp_path, monkeypatch):
    project, _ = make_clustered_project(tmp_path, unlabeled=40)
    with project:
        before = all_vectors_read(project, 8, "auto", monkeypatch=monkeypatch)
        project.set_label(before.rows[0]["path"], "ant")  # the cached predictions go stale
        forget_shared_vectors()
        now = next_to_label(project, 8, "auto")
        assert before.rows[0]["path"] not in [r["path"] for r in now.rows]
        assert len(now.rows) == 8 and all(r["predicted"] for r in now.rows)


def test_store_rows_read_like_the_gathered_rows(tmp_path):
    project, _ = make_clustered_project(tmp_path, unlabeled=40)
    with project:
        whole = project_vectors(project).vectors  # float32, every row
        lazy = mapped_project_vectors(project).vectors
        assert lazy.shape == whole.shape and lazy.dtype == np.float16
        for key in (7, slice(3, 40), np.array([50, 2, 2, 9]), np.arange(len(whole)) % 3 == 0):
            np.testing.assert_array_equal(np.asarray(lazy[key], np.float32), whole[key])
        np.testing.assert_array_equal(np.asarray(lazy, np.float32), whole)


class _Store:
    """Reads as VectorStore.read does: the rows asked for (ascending), a new float16
    array; row r holds r in every column."""

    dim = 512

    def read(self, rows):
        assert (np.diff(rows) >= 0).all()
        out = np.empty((len(rows), self.dim), np.float16)
        out[:] = np.asarray(rows, np.float16)[:, None]
        return out


def test_rows_in_the_files_order_are_read_without_a_second_copy():
    """The cold start reads a sample of 50,000 rows in the file's order (128 MB at
    1280-d); they were read and then copied into place, two copies at once."""
    import tracemalloc

    rows = np.arange(0, 4000, 2)
    lazy = StoreRows(_Store(), rows)
    size = len(rows) * _Store.dim * 2
    tracemalloc.start()
    try:
        got = lazy[:]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(got[:, 0], rows.astype(np.float16))
    assert got.shape == (len(rows), _Store.dim)
    assert peak < 1.5 * size
    shuffled = lazy[np.array([9, 3, 3, 0])]  # out of order: still in the order asked
    np.testing.assert_array_equal(shuffled[:, 0], rows[[9, 3, 3, 0]].astype(np.float16))
