"""Exact PCA of embeddings from their covariance, read in chunks.

The probe (:mod:`labeldesk.ml.probe`) reduces 1280-d embeddings to 256 dimensions before
every fit. scikit-learn's randomized SVD did that on the (N, 1280) matrix itself: a QR
and several products of N x 266 per power iteration, ~35 s of CPU at 100k images on a
busy 2-core machine, twice per prediction run (once per cleaning round). With few
dimensions the covariance is small (1280 x 1280): accumulating it chunk by chunk costs one
pass of matrix products, its eigenvectors are exact, and the whole matrix is never
converted to float32 at once (a float16 memory map stays as it is). Above ``fit_max``
rows the covariance comes from a seeded sample, as the probe's own PCA does.
"""

from __future__ import annotations

import numpy as np

CHUNK = 32_768  # rows converted to float32 at once
FIT_MAX = 100_000  # rows the covariance is taken over (a seeded sample above that)


def pca_reduce(
    features: np.ndarray, dims: int, seed: int = 0, fit_max: int = FIT_MAX
) -> np.ndarray:
    """Centred rows projected on the top ``dims`` principal axes, scaled to unit total
    variance per row on average (float32, (N, min(dims, dim))); as
    :func:`labeldesk.ml.probe.reduce` gives, up to the signs of the axes."""
    n, dim = features.shape
    if dim <= dims or n <= dims:
        x = np.asarray(features, dtype=np.float32)
        x = x - x.mean(axis=0)
    else:
        rows = np.arange(n)
        if n > fit_max:
            rows = np.sort(np.random.default_rng(seed).choice(n, fit_max, replace=False))
        mean, cov = moments(features, rows)
        _, vecs = np.linalg.eigh(cov)  # ascending eigenvalues
        axes = np.ascontiguousarray(vecs[:, ::-1][:, :dims], dtype=np.float32)
        shift = (mean @ axes).astype(np.float32)
        x = np.empty((n, dims), dtype=np.float32)
        for start in range(0, n, CHUNK):
            block = np.asarray(features[start : start + CHUNK], dtype=np.float32)
            np.subtract(block @ axes, shift, out=x[start : start + len(block)])
    squares = sum(  # in chunks: a float64 square of all rows would take 4 GB at 1M
        float(np.einsum("ij,ij->", block, block, dtype=np.float64))
        for block in (x[start : start + CHUNK] for start in range(0, len(x), CHUNK))
    )
    scale = float(np.sqrt(squares / max(len(x), 1))) or 1.0
    x /= scale
    return x


def moments(features: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance (float64) of ``features[rows]``, in chunks."""
    dim = features.shape[1]
    total = np.zeros(dim, dtype=np.float64)
    gram = np.zeros((dim, dim), dtype=np.float64)
    contiguous = len(rows) == len(features)
    pivot: np.ndarray | None = None  # a first guess of the mean: keeps the sums small
    for start in range(0, len(rows), CHUNK):
        if contiguous:
            block = np.asarray(features[start : start + CHUNK], dtype=np.float32)
        else:
            block = np.asarray(features[rows[start : start + CHUNK]], dtype=np.float32)
        if pivot is None:
            pivot = block.mean(axis=0)
        block = block - pivot
        total += block.sum(axis=0, dtype=np.float64)
        gram += block.T @ block  # float32 product, float64 sum over chunks
    shift = total / len(rows)
    assert pivot is not None
    return pivot + shift, gram / len(rows) - np.outer(shift, shift)
