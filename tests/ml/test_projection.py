"""2-D maps: one row per embedded image, cached per embedding version, clusters kept apart."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time

import numpy as np
import pytest

from labeldesk.core.errors import Cancelled
from labeldesk.core.progress import CancelToken, Progress
from labeldesk.ml import projection
from labeldesk.ml.projection import ProjectionFailed, project_2d
from labeldesk.ml.store import embeddings_dir, project_vectors

from . import fake_fits
from .fake_embeddings import CLASSES


def test_one_2d_point_per_embedded_image(clustered_clean):
    reports: list[Progress] = []
    paths, xy = project_2d(clustered_clean, "pca", progress=reports.append)
    assert paths == project_vectors(clustered_clean).paths
    assert xy.shape == (len(paths), 2)
    assert xy.dtype == np.float32
    assert np.isfinite(xy).all()
    assert [r.message for r in reports] == [
        projection.READING_SAVED,
        "step 1 of 3: reading the image vectors",
        "step 2 of 3: projecting the vectors (PCA)",
        "step 3 of 3: saving the map for next time",
    ]


def test_second_call_reads_the_cache(clustered_clean, monkeypatch):
    paths, xy = project_2d(clustered_clean, "pca")
    key = project_vectors(clustered_clean).key
    assert len(list((embeddings_dir(clustered_clean) / key).glob("map-pca-*.npz"))) == 1

    def fail(vectors, seed):
        raise AssertionError("recomputed instead of reading the cache")

    monkeypatch.setitem(projection.METHODS, "pca", fail)
    again_paths, again = project_2d(clustered_clean, "pca")
    assert again_paths == paths
    np.testing.assert_array_equal(again, xy)


def test_clusters_stay_apart_in_2d(clustered_clean):
    _, xy = project_2d(clustered_clean, "pca")
    labels = project_vectors(clustered_clean).labels
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


def test_cancelled_before_the_fit(clustered_clean):
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        project_2d(clustered_clean, "pca", cancel=token)


def test_unknown_method_is_refused(clustered_clean):
    with pytest.raises(ValueError, match="unknown projection"):
        project_2d(clustered_clean, "tsne-please")


# -- fits in a child process (UMAP) ---------------------------------------------------
def test_umap_runs_in_a_child_process_and_pca_does_not():
    assert "umap" in projection.ISOLATED
    assert "pca" not in projection.ISOLATED


def test_isolated_fit_returns_the_child_result_and_caches_it(clustered_clean, monkeypatch):
    monkeypatch.setitem(projection.METHODS, "umap", fake_fits.first_two_columns)
    paths, xy = project_2d(clustered_clean, "umap")
    vectors = project_vectors(clustered_clean)
    assert paths == vectors.paths
    assert xy.dtype == np.float32 and xy.shape == (len(paths), 2)
    np.testing.assert_allclose(xy, vectors.vectors[:, :2] * 2.0, rtol=1e-6)
    key = vectors.key
    assert len(list((embeddings_dir(clustered_clean) / key).glob("map-umap-*.npz"))) == 1
    assert not multiprocessing.active_children()

    def fail(vectors, seed):
        raise AssertionError("recomputed instead of reading the cache")

    monkeypatch.setitem(projection.METHODS, "umap", fail)
    np.testing.assert_array_equal(project_2d(clustered_clean, "umap")[1], xy)


def test_cancel_during_a_slow_fit_returns_at_once(clustered_clean, monkeypatch, tmp_path):
    marker = tmp_path / "fit-started"
    monkeypatch.setenv(fake_fits.STARTED_ENV, str(marker))
    monkeypatch.setitem(projection.METHODS, "umap", fake_fits.slow)
    token = CancelToken()
    cancelled_at: list[float] = []

    def cancel_once_fitting() -> None:
        fake_fits.wait_started(marker)
        cancelled_at.append(time.monotonic())
        token.cancel()

    canceller = threading.Thread(target=cancel_once_fitting, daemon=True)
    canceller.start()
    with pytest.raises(Cancelled):
        project_2d(clustered_clean, "umap", cancel=token)
    returned_at = time.monotonic()
    canceller.join(5)
    assert cancelled_at, "the fit never started"
    assert returned_at - cancelled_at[0] < 2.0
    child_pid = int(marker.read_text())
    assert not multiprocessing.active_children()
    with pytest.raises(ProcessLookupError):
        os.kill(child_pid, 0)  # the child is gone, not left fitting in the background
    key = project_vectors(clustered_clean).key
    assert not list((embeddings_dir(clustered_clean) / key).glob("map-umap-*.npz"))


def test_a_fit_that_raises_in_the_child_is_reported(clustered_clean, monkeypatch):
    monkeypatch.setitem(projection.METHODS, "umap", fake_fits.broken)
    with pytest.raises(ProjectionFailed, match="these vectors make no sense"):
        project_2d(clustered_clean, "umap")
    assert not multiprocessing.active_children()


def test_a_child_that_dies_is_reported(clustered_clean, monkeypatch):
    monkeypatch.setitem(projection.METHODS, "umap", fake_fits.crash)
    with pytest.raises(ProjectionFailed, match=r"stopped unexpectedly.*exit code 3"):
        project_2d(clustered_clean, "umap")


@pytest.mark.slow
def test_real_umap_in_the_child_keeps_clusters_apart(clustered_clean):
    _, xy = project_2d(clustered_clean, "umap")
    labels = project_vectors(clustered_clean).labels
    centres = [
        xy[[i for i, lab in enumerate(labels) if lab == name]].mean(axis=0) for name in CLASSES
    ]
    spread = max(
        np.linalg.norm(xy[[i for i, lab in enumerate(labels) if lab == name]] - c, axis=1).mean()
        for name, c in zip(CLASSES, centres, strict=True)
    )
    gaps = [np.linalg.norm(centres[a] - centres[b]) for a in range(3) for b in range(a + 1, 3)]
    assert min(gaps) > 2 * spread


def _steps(reports: list[Progress]) -> list[str]:
    """The steps reported, each once, in order."""
    names: list[str] = []
    for report in reports:
        if not names or names[-1] != report.message:
            names.append(report.message)
    return names


def test_a_first_map_reports_its_steps_and_the_child_s_counts(clustered_clean, monkeypatch):
    """A first map showed a busy bar for ~15 s: now each step is named, numbered, and
    the one that counts (placing the images) says how far it is."""
    monkeypatch.setitem(projection.METHODS, "umap", fake_fits.stepping)
    reports: list[Progress] = []
    project_2d(clustered_clean, "umap", progress=reports.append)
    steps = projection.map_steps("umap")
    assert steps == (
        "reading the image vectors",
        "loading UMAP",
        "finding each image's nearest neighbours",
        "placing the images",
        "saving the map for next time",
    )
    numbered = [f"step {n} of 5: {step}" for n, step in enumerate(steps, 1)]
    assert _steps(reports) == [projection.READING_SAVED, *numbered]
    fitting = [r for r in reports if r.message in numbered]
    assert all(r.data == {"step": numbered.index(r.message) + 1, "steps": 5} for r in fitting)
    placing = [(r.done, r.total) for r in reports if r.message == numbered[3]]
    assert placing == [(0, 200), (50, 200), (100, 200), (150, 200), (200, 200)]
    again: list[Progress] = []
    project_2d(clustered_clean, "umap", progress=again.append)  # cached: one step
    assert _steps(again) == [projection.READING_SAVED]


@pytest.mark.slow
def test_real_umap_counts_its_epochs(clustered_clean):
    reports: list[Progress] = []
    project_2d(clustered_clean, "umap", progress=reports.append)
    assert len(_steps(reports)) == 6
    placing = [r for r in reports if r.message == "step 4 of 5: placing the images"]
    assert placing[0].done == 1 and placing[0].total > 1
    assert placing[-1].done == placing[-1].total
