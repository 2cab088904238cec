"""Nearest-neighbour search over embeddings with faiss: exact while it is fast enough,
a compressed inverted-file index re-ranked exactly above a size threshold.

Vectors are L2-normalised, so inner product is cosine similarity and ranks like L2
distance. Up to ``EXACT_MAX`` vectors the index is a brute-force BLAS scan (faiss
``IndexFlatIP``). Above it, each vector is kept as a 64-byte code: a PCA to
``REDUCED_DIM`` dimensions with a random rotation, k-means coarse lists and product
quantisation of the residuals (IVF-PQ, L2): about 72 bytes a vector with its id, ~70 MB
at 1M x 1280 where the fp16 IVF index it replaces took ~3 GB. A query scans the
``nprobe`` nearest lists for ``rerank`` candidates and computes their exact similarities
from the stored vectors (a float16 memory map is fine: only the candidates' rows are
read), so the similarities returned are exact and only the candidate list is approximate.

Building never holds all vectors as float32: the index is trained on a sample and the
vectors are added in chunks, with a cancel check between steps
(:mod:`labeldesk.ml.index_build`). :meth:`VectorIndex.add` indexes rows appended since.
``benchmarks/bench_search.py`` measures recall against exact search and chose the
parameters.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from labeldesk.core.progress import CancelToken

from . import index_build
from .device import usable_cores
from .faiss_loader import import_faiss

EXACT_MAX = 20_000  # an exact single query scans every vector: ~10 ms at 20k × 1280
GRAPH_EXACT_MAX = 20_000  # all-pairs kNN graph exact up to here (~4 s on 2 cores)
REDUCED_DIM = 256  # PCA dimensions the codes quantise
CODE_BYTES = 64  # product-quantiser bytes per vector
RERANK = 128  # candidates whose exact similarity is computed (at least k)


def cosine(value: float) -> float:
    """A similarity as reported: a cosine in [-1, 1]. Vectors are stored as float16, so
    an identical image dots with its twin to a hair over 1 (1.0001)."""
    return min(1.0, max(-1.0, float(value)))


UNDER_ONE = math.nextafter(1.0, 0.0)  # the largest similarity a different image reports


def pair_cosine(value: float, *, same_content: bool) -> float:
    """A pair's similarity as reported: exactly 1.0 (100%) for two images with the same
    content, whose shared float16 vector dots with itself a hair under or over 1; under 1
    for any other pair (">99%" at most), even when its dot lands over 1."""
    return 1.0 if same_content else min(cosine(value), UNDER_ONE)


CHUNK = 65_536  # rows converted to float32 at once while re-ranking
RERANK_QUERIES = 256  # queries re-ranked at once (bounds the gathered rows)
GRAPH_NPROBE = 4  # the all-pairs graph probes fewer lists and re-ranks fewer candidates:
GRAPH_RERANK = 32  # near copies are each other's first candidates (1M: ~5.5 min CPU)
FEW_QUERIES = 32  # below this many queries faiss runs on the calling thread only
GRAPH_THREADS = 8  # the graph's batches run on up to this many threads (one per core)


@dataclass(frozen=True)
class IndexConfig:
    exact: bool
    nlist: int = 0
    nprobe: int = 0
    reduced: int = REDUCED_DIM
    code_bytes: int = CODE_BYTES
    rerank: int = RERANK

    @classmethod
    def choose(cls, n: int, exact_max: int = EXACT_MAX, nprobe: int | None = None) -> IndexConfig:
        if n <= exact_max or n < 64:
            return cls(exact=True)
        nlist = int(min(8192, max(16, 4 * math.sqrt(n)), max(16, n // 16)))
        return cls(exact=False, nlist=nlist, nprobe=nprobe or max(16, nlist // 128))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> IndexConfig:
        """The config in ``record`` (raises KeyError, TypeError or ValueError if it is not one)."""
        exact = record["exact"]
        numbers = {f: record[f] for f in ("nlist", "nprobe", "reduced", "code_bytes", "rerank")}
        if not isinstance(exact, bool) or not all(
            type(v) is int and v >= 0 for v in numbers.values()
        ):
            raise ValueError("not an index configuration")
        return cls(exact=exact, **numbers)


class VectorIndex:
    """A faiss index over normalised vectors; row numbers are positions in them.

    ``vectors`` may be float16 or float32, in memory or memory-mapped; an approximate
    index keeps a reference to it to re-rank candidates, so it must stay readable (and
    its rows unchanged) while the index is used.
    """

    def __init__(
        self,
        vectors: np.ndarray,
        config: IndexConfig | None = None,
        seed: int = 0,
        *,
        cancel: CancelToken | None = None,
        many_queries: bool = True,
    ):
        """Build the index over ``vectors``; ``cancel`` stops it between steps
        (Cancelled). ``many_queries`` False leaves out faiss's table for many queries
        (an index built to be saved, not searched)."""
        n, dim = vectors.shape
        self.config = config or IndexConfig.choose(n)
        self.size = 0
        self.source = vectors
        self.index: Any = _empty_index(dim, self.config, n)
        if not self.config.exact:
            index_build.train(self.index, vectors, self.config.nlist, seed, cancel or CancelToken())
            _ivf(self.index).nprobe = self.config.nprobe
        self.add(vectors, cancel=cancel)
        if not self.config.exact and many_queries:
            index_build.precompute_table(self.index)

    @classmethod
    def from_faiss(
        cls, index: Any, config: IndexConfig, source: np.ndarray | None = None
    ) -> VectorIndex:
        """Wrap an index read from disk; ``source`` (its vectors) re-ranks candidates."""
        self = cls.__new__(cls)
        self.index, self.config, self.size = index, config, int(index.ntotal)
        self.source = source if source is not None else np.zeros((0, index.d), np.float32)
        if not config.exact:
            _ivf(index).nprobe = config.nprobe
        return self

    def add(self, vectors: np.ndarray, *, cancel: CancelToken | None = None) -> None:
        """Index the rows of ``vectors`` past :attr:`size` (the rows before are the ones
        already indexed: an append-only store grew), in chunks; ``cancel`` stops it
        between chunks (Cancelled: the index is then part-filled, for the bin)."""
        if len(vectors) < self.size:
            raise ValueError("the vectors shrank: the index must be built again")
        index_build.add(self.index, vectors, self.size, cancel)
        self.source, self.size = vectors, int(self.index.ntotal)

    def search(
        self,
        queries: np.ndarray,
        k: int,
        nprobe: int | None = None,
        rerank: int | None = None,
        *,
        allowed: Any = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(similarities, rows), both (len(queries), k), nearest first; rows are -1 (and
        similarities -1) where fewer exist. ``nprobe`` and ``rerank`` override the
        config's effort for this call (an exact index ignores them). ``allowed``: a
        faiss ``IDSelector``; only its rows are candidates (the others take no slot)."""
        q = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        k = min(k, self.size)
        if k <= 0:
            return np.zeros((len(q), 0), np.float32), np.zeros((len(q), 0), np.int64)
        approximate_only = len(self.source) < self.size  # read without its vectors
        wanted = (
            k if self.config.exact or approximate_only else max(k, rerank or self.config.rerank)
        )
        params = self._params(nprobe, allowed)
        with _threads_for(len(q)):
            scores, rows = self.index.search(q, min(self.size, wanted), params=params)
        if self.config.exact or approximate_only:
            sims = scores if self.config.exact else 1.0 - scores / 2.0  # L2² -> cosine
            sims = sims.astype(np.float32)
            sims[rows < 0] = -1.0
            return sims, rows
        return rerank_exactly(self.source, q, rows, k)

    def _params(self, nprobe: int | None, allowed: Any) -> Any:
        """faiss's search parameters for an override of ``nprobe`` or a selector, else
        None (the index's own settings)."""
        if allowed is None and (nprobe is None or self.config.exact):
            return None
        faiss = import_faiss()
        if self.config.exact:
            return faiss.SearchParameters(sel=allowed)
        probes = _ivf(self.index).nprobe if nprobe is None else nprobe
        ivf = faiss.SearchParametersIVF(nprobe=probes, sel=allowed)
        if isinstance(self.index, faiss.IndexPreTransform):
            return faiss.SearchParametersPreTransform(index_params=ivf)
        return ivf


def rerank_exactly(
    source: np.ndarray, queries: np.ndarray, candidates: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` candidates (rows of ``source``, -1: none) most similar to each query by
    their exact inner product, nearest first; a few hundred queries' rows at a time (fewer
    when each has more candidates than :data:`RERANK`: the gathered rows stay bounded)."""
    n_q, width = candidates.shape
    sims = np.full((n_q, k), -1.0, dtype=np.float32)
    rows = np.full((n_q, k), -1, dtype=np.int64)
    step = max(1, min(RERANK_QUERIES, RERANK_QUERIES * RERANK // max(width, 1)))
    for start in range(0, n_q, step):
        cand = candidates[start : start + step]
        q = queries[start : start + step]
        valid = cand >= 0
        unique, inverse = np.unique(np.where(valid, cand, 0), return_inverse=True)
        gathered = _rows_f32(source, unique)[inverse.reshape(cand.shape)]  # (b, width, dim)
        s = np.matmul(gathered, q[:, :, None])[:, :, 0]
        s[~valid] = -np.inf
        order = np.argsort(-s, axis=1, kind="stable")[:, : min(k, width)]
        top_s, top_r = np.take_along_axis(s, order, 1), np.take_along_axis(cand, order, 1)
        missing = ~np.isfinite(top_s)
        top_s[missing], top_r[missing] = -1.0, -1
        sims[start : start + len(cand), : order.shape[1]] = top_s
        rows[start : start + len(cand), : order.shape[1]] = top_r
    return sims, rows


RowsDone = Callable[[int, int], None]  # (rows searched, all rows)


def knn_graph(
    vectors: np.ndarray,
    k: int,
    exact_max: int = GRAPH_EXACT_MAX,
    batch: int = 4096,
    *,
    done: RowsDone | None = None,
    cancel: CancelToken | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's k nearest other rows: (similarities, rows), self excluded, nearest first.
    ``done`` hears how many rows are searched after each batch; ``cancel`` stops it
    between batches (Cancelled)."""
    index = VectorIndex(vectors, IndexConfig.choose(len(vectors), exact_max=exact_max))
    return graph_from(index, vectors, k, batch, done=done, cancel=cancel)


def graph_from(
    index: Any,
    vectors: np.ndarray,
    k: int,
    batch: int = 4096,
    *,
    done: RowsDone | None = None,
    cancel: CancelToken | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`knn_graph` with an index already built over ``vectors`` (a
    :class:`VectorIndex` or anything whose ``search(queries, k, nprobe, rerank)`` gives
    positions in ``vectors``), searched with the graph's lower effort."""
    n = len(vectors)
    sims = np.full((n, k), -1.0, dtype=np.float32)
    rows = np.full((n, k), -1, dtype=np.int64)

    def one(start: int) -> int:
        if cancel is not None:  # a batch not started yet is not started
            cancel.raise_if_cancelled()
        stop = min(n, start + batch)
        sims[start:stop], rows[start:stop] = graph_rows(index, vectors[start:stop], k, start)
        return stop - start

    # Batches on every core: faiss's search is parallel, the exact re-rank (numpy, which
    # lets go of the GIL in its products) is not. 65k of 300k rows here: 22.5 s on one
    # thread, 13.3 s on two, the same CPU. Each batch writes only its own rows.
    starts = range(0, n, batch)
    with ThreadPoolExecutor(max(1, min(GRAPH_THREADS, len(starts), usable_cores()))) as pool:
        searched = 0
        for count in pool.map(one, starts):  # re-raises a batch's error (or Cancelled)
            searched += count
            if done is not None:
                done(searched, n)
    return sims, rows


def graph_rows(
    index: Any, queries: np.ndarray, k: int, first: int
) -> tuple[np.ndarray, np.ndarray]:
    """The graph's rows ``first`` .. ``first + len(queries)`` (``queries`` are those rows'
    vectors): one batch of :func:`graph_from`, also run on a cluster's workers
    (:mod:`labeldesk.ml.ray_graph`), which split the rows into blocks."""
    return graph_rows_of(index, queries, k, np.arange(first, first + len(queries)))


def graph_rows_of(
    index: Any, queries: np.ndarray, k: int, own: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The graph's rows ``own`` (any rows; ``queries`` are their vectors), as
    :func:`graph_from` finds them: a few rows' neighbours without searching all rows'."""
    q = np.asarray(queries, dtype=np.float32)
    s, r = index.search(q, k + 1, nprobe=GRAPH_NPROBE, rerank=max(GRAPH_RERANK, k + 1))
    if r.shape[1] < k + 1:  # fewer vectors than k + 1
        pad = k + 1 - r.shape[1]
        r = np.pad(r, ((0, 0), (0, pad)), constant_values=-1)
        s = np.pad(s, ((0, 0), (0, pad)), constant_values=-1.0)
    is_self = r == np.asarray(own)[:, None]
    order = np.argsort(is_self, axis=1, kind="stable")[:, :k]  # self moves to the end
    rows = np.take_along_axis(r, order, axis=1)
    sims = np.take_along_axis(s, order, axis=1).astype(np.float32)
    sims[rows < 0] = -1.0
    return sims, rows


def _empty_index(dim: int, config: IndexConfig, n: int) -> Any:
    """An untrained faiss index for ``config`` (compressed: PCA + IVF + PQ, L2)."""
    faiss = import_faiss()
    if config.exact:
        return faiss.IndexFlatIP(dim)
    reduced = min(config.reduced, dim)
    m = max(d for d in range(1, min(config.code_bytes, reduced) + 1) if reduced % d == 0)
    n_train = index_build.training_size(n, config.nlist)
    bits = 8 if n_train >= 256 * 16 else max(2, min(8, int(math.log2(max(4, n_train // 16)))))
    pca = f"PCAR{reduced}," if reduced < dim else ""
    index = faiss.index_factory(dim, f"{pca}IVF{config.nlist},PQ{m}x{bits}np", faiss.METRIC_L2)
    pq = faiss.downcast_index(_ivf(index)).pq.cp
    pq.min_points_per_centroid, pq.max_points_per_centroid, pq.niter = 1, 64, 10
    return index


def _ivf(index: Any) -> Any:
    return import_faiss().extract_index_ivf(index)


def _rows_f32(vectors: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """float32 copies of ``rows`` (sorted) of ``vectors``, read in chunks."""
    out = np.empty((len(rows), vectors.shape[1]), dtype=np.float32)
    for start in range(0, len(rows), CHUNK):
        out[start : start + CHUNK] = vectors[rows[start : start + CHUNK]]
    return out


@contextmanager
def _threads_for(n_queries: int) -> Iterator[None]:
    """One OpenMP thread for a handful of queries (the setting is per calling thread):
    starting a team costs more than it saves, and on busy cores a waiting team spins."""
    if n_queries >= FEW_QUERIES:
        yield
        return
    faiss = import_faiss()
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)
