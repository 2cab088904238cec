"""Drift's project-side PCA (:mod:`labeldesk.ml.drift_pca`): fitted on a sample of the
rows, applied to the rows read only."""

from __future__ import annotations

import numpy as np

from labeldesk.ml.drift_pca import ProjectedRows, fit_pca, sample_rows
from labeldesk.ml.pca_chunks import pca_reduce


def _features(n: int = 1500, dim: int = 120, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    spread = np.linspace(3.0, 0.1, dim)  # distinct variances: the axes are well defined
    return (rng.normal(size=(n, dim)) * spread + 0.5).astype(np.float16)


def test_fitted_on_every_row_it_is_the_pca_of_every_row():
    """Under the sample's size the rows are reduced as the probe's PCA of every row
    reduces them (:func:`~labeldesk.ml.pca_chunks.pca_reduce`: centred, projected, unit
    mean square), up to the signs of the axes."""
    features = _features()
    rows = sample_rows(len(features))
    assert np.array_equal(rows, np.arange(len(features)))
    mine = ProjectedRows(features, fit_pca(features, rows, dims=32))[np.arange(len(features))]
    every = pca_reduce(features, 32)
    signs = np.sign((mine * every).sum(axis=0))
    np.testing.assert_allclose(mine * signs, every, atol=2e-5)
    # vectors no wider than the probe keeps: centred and scaled only, as there
    narrow = ProjectedRows(features, fit_pca(features, rows, dims=200))[np.arange(len(features))]
    np.testing.assert_allclose(narrow, pca_reduce(features, 200), atol=2e-5)


def test_rows_are_reduced_alike_however_they_are_read():
    """A row's reduced values do not depend on which rows are read with it (a fit's
    sample, a prediction's few rows, one row): only the rows read are converted."""
    features = _features()
    rows = sample_rows(len(features), most=400)
    assert len(rows) == 400 and np.array_equal(rows, np.unique(rows))
    reduced = ProjectedRows(features, fit_pca(features, rows, dims=32))
    assert reduced.shape == (1500, 32) and len(reduced) == 1500
    whole = reduced[np.arange(1500)]
    picked = np.array([1400, 3, 977, 3])
    np.testing.assert_allclose(reduced[picked], whole[picked], atol=1e-6)
    np.testing.assert_allclose(reduced[10], whole[10], atol=1e-6)
    np.testing.assert_allclose(reduced[200:260], whole[200:260], atol=1e-6)
    # the sample's rows are centred and of unit mean square
    np.testing.assert_allclose(whole[rows].mean(axis=0), 0, atol=1e-4)
    assert np.isclose(float((whole[rows] ** 2).sum(axis=1).mean()), 1.0, atol=1e-4)
