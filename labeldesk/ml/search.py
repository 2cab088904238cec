"""Nearest-neighbour search over embeddings with faiss: exact while it is fast enough,
an inverted-file index above a size threshold.

Vectors are L2-normalised, so inner product is cosine similarity. The exact index is a
brute-force BLAS scan (faiss ``IndexFlatIP``); above ``EXACT_MAX`` vectors an IVF index
(k-means coarse quantiser, fp16 storage) answers a query by scanning only the ``nprobe``
closest clusters. ``benchmarks/bench_search.py`` measures its recall against exact.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

EXACT_MAX = 20_000  # an exact single query scans every vector: ~10 ms at 20k × 1280
GRAPH_EXACT_MAX = 20_000  # all-pairs kNN graph exact up to here (~4 s on 2 cores)
TRAIN_PER_LIST = 48  # k-means training points per inverted list


def import_faiss() -> ModuleType:
    """faiss, imported on first use without its loader's start-up chatter.

    The loader logs at INFO each instruction set it tries ("Loading faiss with AVX512
    support", "Could not load library with AVX512 support due to ..."): noise in any
    app that shows INFO logs, as the GUI does. A faiss that cannot load still raises.
    """
    logging.getLogger("faiss.loader").setLevel(logging.WARNING)
    import faiss

    return faiss


@dataclass(frozen=True)
class IndexConfig:
    exact: bool
    nlist: int = 0
    nprobe: int = 0

    @classmethod
    def choose(cls, n: int, exact_max: int = EXACT_MAX, nprobe: int | None = None) -> IndexConfig:
        if n <= exact_max:
            return cls(exact=True)
        nlist = int(min(8192, max(64, 4 * math.sqrt(n))))
        return cls(exact=False, nlist=nlist, nprobe=nprobe or max(8, nlist // 64))


class VectorIndex:
    """A faiss index over normalised float32 vectors; row numbers are positions in them."""

    def __init__(self, vectors: np.ndarray, config: IndexConfig | None = None, seed: int = 0):
        faiss = import_faiss()
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        n, dim = vectors.shape
        self.config = config or IndexConfig.choose(n)
        self.size = n
        self.index: Any
        if self.config.exact:
            self.index = faiss.IndexFlatIP(dim)
        else:
            quantizer = faiss.IndexFlatIP(dim)
            self.index = faiss.IndexIVFScalarQuantizer(
                quantizer,
                dim,
                self.config.nlist,
                faiss.ScalarQuantizer.QT_fp16,
                faiss.METRIC_INNER_PRODUCT,
            )
            self._quantizer = quantizer  # keep alive: the IVF index does not own it
            rng = np.random.default_rng(seed)
            n_train = min(n, self.config.nlist * TRAIN_PER_LIST)
            sample = vectors[np.sort(rng.choice(n, n_train, replace=False))]
            self.index.cp.min_points_per_centroid = 1
            self.index.cp.max_points_per_centroid = TRAIN_PER_LIST
            self.index.train(sample)
            self.index.nprobe = self.config.nprobe
        self.index.add(vectors)

    @classmethod
    def from_faiss(cls, index: Any, config: IndexConfig) -> VectorIndex:
        """Wrap an index read from disk."""
        self = cls.__new__(cls)
        self.index, self.config, self.size = index, config, int(index.ntotal)
        if not config.exact:
            self.index.nprobe = config.nprobe
        return self

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(similarities, rows), both (len(queries), k); rows are -1 where fewer exist."""
        q = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        k = min(k, self.size)
        if k <= 0:
            return np.zeros((len(q), 0), np.float32), np.zeros((len(q), 0), np.int64)
        sims, rows = self.index.search(q, k)
        return sims, rows


def knn_graph(
    vectors: np.ndarray, k: int, exact_max: int = GRAPH_EXACT_MAX, batch: int = 4096
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's k nearest other rows: (similarities, rows), self excluded, nearest first."""
    n = len(vectors)
    index = VectorIndex(vectors, IndexConfig.choose(n, exact_max=exact_max))
    sims = np.full((n, k), -1.0, dtype=np.float32)
    rows = np.full((n, k), -1, dtype=np.int64)
    for start in range(0, n, batch):
        stop = min(n, start + batch)
        s, r = index.search(vectors[start:stop], k + 1)
        if r.shape[1] < k + 1:  # fewer vectors than k + 1
            pad = k + 1 - r.shape[1]
            r = np.pad(r, ((0, 0), (0, pad)), constant_values=-1)
            s = np.pad(s, ((0, 0), (0, pad)), constant_values=-1.0)
        is_self = r == np.arange(start, stop)[:, None]
        order = np.argsort(is_self, axis=1, kind="stable")[:, :k]  # self moves to the end
        rows[start:stop] = np.take_along_axis(r, order, axis=1)
        sims[start:stop] = np.take_along_axis(s, order, axis=1)
    sims[rows < 0] = -1.0
    return sims, rows
