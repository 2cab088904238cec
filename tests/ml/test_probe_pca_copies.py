"""The probe's PCA centres one float32 copy of the rows in place: scikit-learn's PCA with
copy=True made two of a read-only matrix (the shared vectors are one), a writable copy
and a centred one, 1 GB at 100k x 1280. The figures are the ones it gave, exactly."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from sklearn.decomposition import PCA

from labeldesk.ml import out_of_sample, probe
from labeldesk.ml.out_of_sample import out_of_sample_probs


def copying_reduce(features: np.ndarray, dims: int = probe.PCA_DIMS, seed: int = 0):
    """probe.reduce as it was (PCA with scikit-learn's own copies), rows up to the cap."""
    x = np.asarray(features, dtype=np.float32)
    x = PCA(n_components=dims, random_state=seed, svd_solver="randomized").fit_transform(x)
    x /= np.sqrt((x**2).sum(axis=1).mean()) or 1.0
    return x.astype(np.float32, copy=False)


def rows(n: int, dim: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    low = rng.normal(size=(n, 24)) @ rng.normal(size=(24, dim))
    return (low + 0.3 * rng.normal(size=(n, dim))).astype(np.float32)


@pytest.mark.parametrize("kind", ["read-only", "writable", "float16", "float64"])
def test_the_same_figures_and_the_rows_left_as_they_were(kind):
    x = rows(400, 300)
    if kind == "float16":
        x = x.astype(np.float16)
    elif kind == "float64":
        x = x.astype(np.float64)
    x.setflags(write=kind != "read-only")
    before = x.copy()
    np.testing.assert_array_equal(probe.reduce(x, dims=40), copying_reduce(x, dims=40))
    np.testing.assert_array_equal(x, before)


def test_a_sampled_fit_gives_the_same_figures(monkeypatch):
    x = rows(500, 300)
    x.setflags(write=False)
    monkeypatch.setattr(probe, "PCA_FIT_MAX", 300)
    sample = np.sort(np.random.default_rng(3).choice(len(x), 300, replace=False))
    old = PCA(n_components=40, random_state=3, svd_solver="randomized").fit(x[sample])
    expected = old.transform(x)
    expected /= np.sqrt((expected**2).sum(axis=1).mean())
    np.testing.assert_array_equal(probe.reduce(x, dims=40, seed=3), expected)


def test_the_predictions_are_the_ones_the_copying_pca_gave(monkeypatch):
    x = rows(700, 320, seed=1)  # above the probe's 256 dimensions: the PCA runs
    x.setflags(write=False)
    rng = np.random.default_rng(2)
    labels = np.where(rng.random(700) < 0.6, np.argmax(x[:, :4], axis=1), -1)
    trainable = np.ones(700, dtype=bool)
    sims = np.ones((700, 1), dtype=np.float32)
    near = ((np.arange(700) + 1) % 700)[:, None]
    probs, oof = out_of_sample_probs(x, labels, trainable, 4, sims, near)
    monkeypatch.setattr(out_of_sample, "reduce", copying_reduce)
    old_probs, old_oof = out_of_sample_probs(x, labels, trainable, 4, sims, near)
    np.testing.assert_array_equal(oof, old_oof)
    np.testing.assert_allclose(probs, old_probs, rtol=0, atol=1e-12)


def test_one_float32_copy_of_a_read_only_matrix():
    x = rows(4000, 512)
    x.setflags(write=False)
    probe.reduce(x[:300], dims=8)  # imports and first-call buffers, outside the count
    tracemalloc.start()
    try:
        probe.reduce(x, dims=8)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # one copy (8 MB) and the SVD's thin temporaries; two copies were 16 MB and more
    assert peak < 1.5 * x.nbytes, peak / x.nbytes
