"""Training and filling the compressed search index in small steps, so that a cancel
(the app's Cancel, Ctrl+C in a terminal) stops it within about a second and the build
holds only a bounded part of the vectors in memory at any time.

faiss's own ``train`` is one uninterruptible call that took most of a minute at 100k
images and held its float32 training sample twice (a copy to centre it for the PCA).
Here each step is one of many short calls with a check between them:

* the PCA is fitted from a covariance summed over chunks of the training sample (the
  same sample as before: :data:`TRAIN_PER_LIST` points a list), then set on faiss's
  ``PCAMatrix`` (its random rotation as faiss makes it);
* the sample, reduced to the PCA's dimensions chunk by chunk, is what the coarse
  k-means (Lloyd iterations as faiss runs them, empty lists split the way faiss splits
  them) and the product quantiser train on;
* rows are read from the vector store's file in chunks (not through its memory map,
  whose pages would stay in the process's resident memory) and added chunk by chunk.

A cancelled build raises :class:`~labeldesk.core.errors.Cancelled` and leaves nothing:
the caller saves an index only once it is whole.
"""

from __future__ import annotations

import mmap
import os
from typing import Any

import numpy as np

from labeldesk.core.progress import CancelToken

from .faiss_loader import import_faiss

TRAIN_PER_LIST = 24  # k-means training points per inverted list
TRAIN_MIN = 8192  # training points at least (small collections: all of them)
KMEANS_ITER = 10  # Lloyd iterations of the coarse quantiser
STEP = 8192  # rows read, reduced, assigned or added at once (40 MB as float32 at 1280-d)
PCA_STEP = 2048  # rows a covariance product sums at once (~7 GFLOP at 1280-d)
SPLIT_EPS = 1.0 / 1024  # how far apart the two halves of a split list's centre start


def training_size(n: int, nlist: int) -> int:
    """How many of ``n`` rows the index trains on: all when few, else
    :data:`TRAIN_PER_LIST` a list (at least :data:`TRAIN_MIN`)."""
    return min(n, max(nlist * TRAIN_PER_LIST, TRAIN_MIN))


def training_rows(n: int, nlist: int, seed: int) -> np.ndarray:
    """The rows the index trains on (:func:`training_size` of them), ascending."""
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n, training_size(n, nlist), replace=False))


def train(index: Any, vectors: np.ndarray, nlist: int, seed: int, cancel: CancelToken) -> None:
    """Train ``index`` (an untrained PCA + IVF-PQ from ``search._empty_index``, or IVF-PQ
    alone) on a sample of ``vectors``, checking ``cancel`` between steps."""
    faiss = import_faiss()
    rows = training_rows(len(vectors), nlist, seed)
    pca = None
    if isinstance(index, faiss.IndexPreTransform):
        pca = faiss.downcast_VectorTransform(index.chain.at(0))
        _fit_pca(pca, vectors, rows, cancel)
    ivf = faiss.downcast_index(faiss.extract_index_ivf(index))
    sample = np.empty((len(rows), ivf.d), dtype=np.float32)
    for start in range(0, len(rows), STEP):
        cancel.raise_if_cancelled()
        chunk = read_f32(vectors, rows[start : start + STEP])
        sample[start : start + len(chunk)] = chunk if pca is None else pca.apply(chunk)
    centroids, assigned = _kmeans(sample, nlist, seed, cancel)
    ivf.quantizer.add(centroids)
    for start in range(0, len(sample), STEP):  # residuals, which the codes quantise
        sample[start : start + STEP] -= centroids[assigned[start : start + STEP]]
    _train_pq(ivf.pq, sample, cancel)
    ivf.use_precomputed_table = -1  # no table: built on demand (precompute_table)
    ivf.is_trained = True
    index.is_trained = True


def _train_pq(pq: Any, residuals: np.ndarray, cancel: CancelToken) -> None:
    """Train the product quantiser ``pq`` on ``residuals`` one sub-quantiser at a time
    (faiss's ``ProductQuantizer.train`` clusters each slice of dimensions the same way
    in one call: most of the build's training time, 20 s of CPU at 30,000 vectors)."""
    faiss = import_faiss()
    dsub, ksub = pq.dsub, pq.ksub
    centroids = np.empty((pq.M, ksub, dsub), dtype=np.float32)
    for m in range(pq.M):
        cancel.raise_if_cancelled()
        part = np.ascontiguousarray(residuals[:, m * dsub : (m + 1) * dsub])
        clustering = faiss.Clustering(dsub, ksub, pq.cp)
        clustering.train(part, faiss.IndexFlatL2(dsub))
        centroids[m] = faiss.vector_to_array(clustering.centroids).reshape(ksub, dsub)
    faiss.copy_array_to_vector(centroids.ravel(), pq.centroids)


def precompute_table(index: Any) -> None:
    """The table faiss uses to speed up many queries (lists × codes × 256 floats: 83 MB
    at 100k images), which a build leaves out; for an index searched many times."""
    faiss = import_faiss()
    ivf = faiss.downcast_index(faiss.extract_index_ivf(index))
    ivf.use_precomputed_table = 0  # faiss's choice (a table unless it would be too large)
    ivf.precompute_table()


def add(index: Any, vectors: np.ndarray, start: int, cancel: CancelToken | None) -> None:
    """Add the rows of ``vectors`` from ``start`` on, :data:`STEP` at a time."""
    for first in range(start, len(vectors), STEP):
        if cancel is not None:
            cancel.raise_if_cancelled()
        index.add(read_f32(vectors, np.arange(first, min(len(vectors), first + STEP))))


def read_f32(vectors: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``rows`` (ascending) of ``vectors`` as float32. A memory-mapped file's rows are
    read from the file (consecutive rows at once), not through the map: every page the
    map touched would stay in the process's resident memory (the whole 256 MB file at
    100k images)."""
    if isinstance(vectors, np.memmap) and isinstance(vectors.base, mmap.mmap):
        stored = np.empty((len(rows), vectors.shape[1]), dtype=vectors.dtype)
        width = vectors.shape[1] * vectors.dtype.itemsize
        breaks = np.flatnonzero(np.diff(rows) != 1) + 1
        raw = stored.view(np.uint8).reshape(len(rows), width)
        fd = os.open(str(vectors.filename), os.O_RDONLY)
        try:
            runs = zip(np.r_[0, breaks].tolist(), np.r_[breaks, len(rows)].tolist(), strict=True)
            for a, b in runs:
                at = vectors.offset + int(rows[a]) * width
                if os.preadv(fd, [raw[a:b].data.cast("B")], at) != (b - a) * width:
                    raise OSError(f"{vectors.filename} is shorter than its rows")
        finally:
            os.close(fd)
        return stored.astype(np.float32)
    return np.asarray(vectors[rows], dtype=np.float32)


def _fit_pca(pca: Any, vectors: np.ndarray, rows: np.ndarray, cancel: CancelToken) -> None:
    """Set faiss's ``pca`` (untrained) to the principal components of ``rows``: the mean
    and covariance summed in float64 over chunks, then eigenvectors, largest first."""
    faiss = import_faiss()
    dim = vectors.shape[1]
    total = np.zeros(dim)
    products = np.zeros((dim, dim))
    for start in range(0, len(rows), PCA_STEP):
        cancel.raise_if_cancelled()
        chunk = read_f32(vectors, rows[start : start + PCA_STEP])
        total += chunk.sum(axis=0, dtype=np.float64)
        products += chunk.T @ chunk
    cancel.raise_if_cancelled()
    mean = total / len(rows)
    covariance = products / len(rows) - np.outer(mean, mean)
    values, vecs = np.linalg.eigh(covariance)  # ascending
    order = np.argsort(-values, kind="stable")
    faiss.copy_array_to_vector(mean.astype(np.float32), pca.mean)
    # the eigenvalues as faiss keeps them: of the summed, not the averaged, products
    faiss.copy_array_to_vector((values[order] * len(rows)).astype(np.float32), pca.eigenvalues)
    faiss.copy_array_to_vector(
        np.ascontiguousarray(vecs[:, order].T, np.float32).ravel(), pca.PCAMat
    )
    pca.is_trained = True
    pca.prepare_Ab()  # keeps d_out components, applies the random rotation


def _kmeans(
    sample: np.ndarray, k: int, seed: int, cancel: CancelToken
) -> tuple[np.ndarray, np.ndarray]:
    """k centres of ``sample`` (Lloyd's iterations from k of its points) and each point's
    nearest centre among the final ones. A list left empty takes half of a large one, as
    faiss's clustering does (a centre picked by size, the two nudged apart)."""
    rng = np.random.default_rng(seed + 1)
    centroids = sample[np.sort(rng.choice(len(sample), k, replace=False))].copy()
    for _ in range(KMEANS_ITER):
        assigned = _assign(sample, centroids, cancel)
        counts = np.bincount(assigned, minlength=k)
        order = np.argsort(assigned, kind="stable")
        used = np.flatnonzero(counts)
        sums = np.add.reduceat(sample[order], np.r_[0, np.cumsum(counts)[:-1]][used], axis=0)
        centroids[used] = sums / counts[used, None]
        _split_into_empty(centroids, counts, rng)
    return centroids, _assign(sample, centroids, cancel)


def _assign(sample: np.ndarray, centroids: np.ndarray, cancel: CancelToken) -> np.ndarray:
    flat = import_faiss().IndexFlatL2(centroids.shape[1])
    flat.add(centroids)
    out = np.empty(len(sample), dtype=np.int64)
    for start in range(0, len(sample), STEP):
        cancel.raise_if_cancelled()
        out[start : start + STEP] = flat.search(sample[start : start + STEP], 1)[1][:, 0]
    return out


def _split_into_empty(centroids: np.ndarray, counts: np.ndarray, rng: np.random.Generator) -> None:
    sign = np.where(np.arange(centroids.shape[1]) % 2 == 1, 1.0, -1.0).astype(np.float32)
    for empty in np.flatnonzero(counts == 0):
        weights = np.maximum(counts - 1, 0).astype(np.float64)
        if weights.sum() <= 0:
            return
        big = rng.choice(len(counts), p=weights / weights.sum())
        centroids[empty] = centroids[big] * (1 + SPLIT_EPS * sign)
        centroids[big] = centroids[big] * (1 - SPLIT_EPS * sign)
        counts[empty] = counts[big] // 2
        counts[big] -= counts[empty]
