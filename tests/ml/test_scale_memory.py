"""A big project's vectors are never all float32 at once: they stay float16 in memory,
the probe's PCA and the map are fitted on samples and applied in chunks, and the probe
learns from a stratified sample of a huge label set."""

from __future__ import annotations

import numpy as np
import pytest

from labeldesk.core.progress import CancelToken
from labeldesk.ml import map_data, probe, projection, store
from labeldesk.ml.projection_sample import fit_on_sample


def clusters(n: int, k: int = 4, dim: int = 48, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, dim)) * 3
    truth = rng.integers(0, k, n)
    x = centres[truth] + rng.normal(size=(n, dim))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x.astype(np.float32), truth


def test_big_projects_keep_their_vectors_as_float16(clustered, monkeypatch):
    project, _ = clustered
    store.forget_shared_vectors()
    small = store.project_vectors(project)
    assert small.vectors.dtype == np.float32
    monkeypatch.setattr(store, "HALF_ABOVE_BYTES", 64)  # every project counts as big
    big = store.project_vectors(project)
    assert big.vectors.dtype == np.float16
    assert big.paths == small.paths
    np.testing.assert_allclose(big.vectors.astype(np.float32), small.vectors, atol=1e-3)
    store.forget_shared_vectors()


def test_reduce_on_a_sample_spans_the_same_space_as_on_everything(monkeypatch):
    x, _ = clusters(3000, dim=64)
    whole = probe.reduce(x, dims=8)
    monkeypatch.setattr(probe, "PCA_FIT_MAX", 600)
    monkeypatch.setattr(probe, "CHUNK", 500)
    sampled = probe.reduce(x.astype(np.float16), dims=8)
    assert sampled.shape == whole.shape and sampled.dtype == np.float32
    # the two 8-d projections describe the same subspace: each explains the other
    fit = np.linalg.lstsq(whole, sampled, rcond=None)[0]
    residual = sampled - whole @ fit
    assert (residual**2).sum() / (sampled**2).sum() < 0.05


def test_capped_keeps_each_class_share_and_every_rare_label():
    y = np.array([0] * 9000 + [1] * 3000 + [2] * 40)
    idx = np.arange(len(y))
    assert probe.capped(idx, y, seed=0, most=20_000) is idx  # below the cap: all of them
    kept = probe.capped(idx, y, seed=0, most=2000)
    counts = np.bincount(y[kept])
    assert counts[2] == 40  # a rare class keeps every label
    assert counts[0] == pytest.approx(3 * counts[1], rel=0.1)  # shares kept
    assert len(kept) < 2700 and len(np.unique(kept)) == len(kept)
    assert np.array_equal(kept, np.sort(kept))


def test_probe_with_a_capped_label_set_still_predicts_well(monkeypatch):
    x, truth = clusters(4000, k=3)
    train = np.ones(len(x), dtype=bool)
    monkeypatch.setattr(probe, "FIT_MAX", 300)
    monkeypatch.setattr(probe, "MIN_PER_CLASS", 20)
    out = probe.probe_probabilities(x, truth, train, 3)
    assert out.out_of_fold.all()
    assert (out.probs.argmax(axis=1) == truth).mean() > 0.95


def spread(method: str, sample: np.ndarray, seed: int, cancel: CancelToken) -> np.ndarray:
    """A stand-in for UMAP: any 2-D map of the sample (here its first two coordinates
    after PCA), to see the other points placed from it."""
    from sklearn.decomposition import PCA

    assert sample.dtype == np.float32
    return PCA(n_components=2, random_state=seed).fit_transform(sample)


@pytest.mark.parametrize("method", ["pca", "spread"])
def test_a_map_fitted_on_a_sample_places_every_point_near_its_own_kind(method):
    x, truth = clusters(5000, k=4)
    xy = fit_on_sample(method, x.astype(np.float16), 0, CancelToken(), spread, 400)
    assert xy.shape == (5000, 2) and np.isfinite(xy).all()
    centres = np.stack([xy[truth == c].mean(axis=0) for c in range(4)])
    nearest = np.argmin(((xy[:, None, :] - centres[None]) ** 2).sum(axis=2), axis=1)
    assert (nearest == truth).mean() > 0.95


def test_the_map_of_a_big_project_shows_every_image(clustered, monkeypatch):
    project, _ = clustered
    monkeypatch.setattr(projection, "MAP_FIT_MAX", 20)
    points = map_data.map_points(project, "pca")
    assert len(points.paths) == len(project.images(include_skipped=False))
    assert np.isfinite(points.xy).all()
    # the same images as a whole fit, placed the same way up to PCA's sign and scale
    whole = projection.METHODS["pca"](store.project_vectors(project).vectors, 0)
    corr = [abs(np.corrcoef(points.xy[:, i], whole[:, i])[0, 1]) for i in range(2)]
    assert min(corr) > 0.8
