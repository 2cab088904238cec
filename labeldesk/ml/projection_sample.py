"""The 2-D map of a big project: fitted on a sample, every other image placed from it.

UMAP on a million points takes hours on a laptop, and their float32 vectors take 5 GB.
So the map method is fitted on a random sample (``MAP_FIT_MAX`` images), and each other
image is put at the similarity-weighted mean position of its nearest sampled images,
found in a PCA space fitted on the sample (``PLACE_DIMS`` dimensions, ``ANCHORS`` of the
sampled images, exact search with faiss). A linear method (PCA) is simply fitted on the
sample and applied to every image. Vectors are read in chunks (float16 or float32), so
no float32 copy of all of them is made. Every image gets a position.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from labeldesk.core.progress import CancelToken

PLACE_DIMS = 32  # dimensions the nearest sampled images are found in
ANCHORS = 8192  # sampled images the others are placed from
PLACE_K = 5  # nearest anchors averaged for one image
CHUNK = 65_536  # images converted to float32 at once


Fit = Callable[[str, np.ndarray, int, CancelToken], np.ndarray]


def fit_on_sample(
    method: str,
    vectors: np.ndarray,
    seed: int,
    cancel: CancelToken,
    fit: Fit,
    sample_size: int,
) -> np.ndarray:
    """(N, 2) float32 positions for every row of ``vectors``; ``fit(method, sample,
    seed, cancel)`` maps a float32 sample (``sample_size`` rows)."""
    from sklearn.decomposition import PCA

    n, dim = vectors.shape
    rng = np.random.default_rng(seed)
    size = min(n, sample_size)
    sample = np.sort(rng.choice(n, size, replace=False))
    base = np.asarray(vectors[sample], dtype=np.float32)
    xy = np.empty((n, 2), dtype=np.float32)
    if method == "pca":  # linear: fit on the sample, apply to all
        pca = PCA(n_components=2, random_state=seed).fit(base)
        for start in range(0, n, CHUNK):
            cancel.raise_if_cancelled()
            xy[start : start + CHUNK] = pca.transform(_rows(vectors, start))
        return xy
    xy[sample] = np.asarray(fit(method, base, seed, cancel), dtype=np.float32)
    cancel.raise_if_cancelled()
    reducer = PCA(n_components=min(PLACE_DIMS, dim, size), random_state=seed).fit(base)
    anchors = sample[np.sort(rng.choice(size, min(ANCHORS, size), replace=False))]
    anchor_xy = xy[anchors]
    index = _anchor_index(_unit(reducer.transform(np.asarray(vectors[anchors], np.float32))))
    in_sample = np.zeros(n, dtype=bool)
    in_sample[sample] = True
    for start in range(0, n, CHUNK):
        cancel.raise_if_cancelled()
        rows = np.arange(start, min(n, start + CHUNK))
        rows = rows[~in_sample[rows]]
        if not len(rows):
            continue
        z = _unit(reducer.transform(np.asarray(vectors[rows], dtype=np.float32)))
        xy[rows] = place(index, anchor_xy, z, min(PLACE_K, len(anchors)))
    return xy


def place(index: object, anchor_xy: np.ndarray, z: np.ndarray, k: int) -> np.ndarray:
    """Positions of the points ``z``: the mean of their ``k`` nearest anchors' positions,
    weighted by similarity (an image on top of an anchor lands on it)."""
    query = np.ascontiguousarray(z, dtype=np.float32)
    sims, nearest = index.search(query, k)  # type: ignore[attr-defined]
    weights = np.exp((np.asarray(sims, dtype=np.float64) - 1.0) / 0.05)
    weights /= weights.sum(axis=1, keepdims=True)
    return np.einsum("nk,nkd->nd", weights, anchor_xy[nearest]).astype(np.float32)


def _anchor_index(anchors: np.ndarray) -> object:
    from .search import import_faiss

    faiss = import_faiss()
    index = faiss.IndexFlatIP(anchors.shape[1])
    index.add(np.ascontiguousarray(anchors, dtype=np.float32))
    return index


def _rows(vectors: np.ndarray, start: int) -> np.ndarray:
    return np.asarray(vectors[start : start + CHUNK], dtype=np.float32)


def _unit(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.maximum(norms, 1e-12)).astype(np.float32)
