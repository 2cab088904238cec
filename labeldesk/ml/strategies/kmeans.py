"""k-means for the diversity strategies: k-means++ seeding, then faiss Lloyd iterations.

faiss is an order of magnitude faster than scikit-learn at 1280-d but seeds with random
points, which often puts two centroids in one tight group of near-duplicates and none in
another: exactly the batches a diversity strategy exists to avoid. Greedy D² (k-means++)
seeding fixes that (Arthur & Vassilvitskii 2007); both run on a subsample of at most 64 points per
centroid, and every point is then assigned, a chunk at a time, so 100k images stay fast
and ``x`` may be the vector store's float16 memory map.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np

NITER = 20
MAX_POINTS_PER_CENTROID = 64
SEED_DIM = 64
MIN_SEED_TRIALS = 10  # candidates per seed at least (see kmeans_pp_seeds)
# Rows assigned at once (21 MB of float32 at 1280-d; 84 MB with 16,384 before session
# 43, held beside the cold start's 128 MB sample): all of x is never float32 at once.
# 4096 is the block of queries faiss's exact search computes at a time, so the
# assignment is the one a single search over every row gives; a short tail joins the
# chunk before (under 20 rows, faiss would take its other, non-BLAS path).
CHUNK = 4096
STOP_EVERY = 16  # seeds between two calls of ``stop`` (a cancel check)


def kmeans_pp_seeds(
    x: np.ndarray,
    k: int,
    rng: np.random.Generator,
    weights: np.ndarray | None = None,
    stop: Callable[[], None] = lambda: None,
) -> np.ndarray:
    """Row indices of k seeds by greedy D² sampling (k-means++ with several trials per
    seed): each trial drawn ∝ weight × squared distance to the nearest seed so far, the one
    that lowers the total most kept. With uncertainties as weights this is margin-weighted
    k-means++. Distances come from a random projection to SEED_DIM dimensions
    (Johnson-Lindenstrauss: close enough to choose seeds, 20x cheaper at 1280-d).

    scikit-learn's 2 + log k trials often miss a small, tight, far-off group (a rare class):
    the many points of the broad groups outweigh its few in the draw, and Lloyd never moves a
    centroid across to it. With MIN_SEED_TRIALS draws one almost surely lands there, and it
    wins because it lowers the total most. ``stop`` is called every STOP_EVERY seeds
    (it raises to stop: a cancelled job).
    """
    w = np.ones(len(x)) if weights is None else np.asarray(weights, np.float64)
    if x.shape[1] > SEED_DIM:
        x = x @ rng.normal(size=(x.shape[1], SEED_DIM)).astype(np.float32) / np.sqrt(SEED_DIM)
    sq = np.einsum("ij,ij->i", x, x).astype(np.float64)
    trials = max(MIN_SEED_TRIALS, 2 + int(np.log(k)))

    def dist2(rows: np.ndarray) -> np.ndarray:  # (N, len(rows)) squared distances
        return np.clip(sq[:, None] - 2.0 * (x @ x[rows].T) + sq[rows][None, :], 0.0, None)

    seeds = [int(rng.choice(len(x), p=w / w.sum()))]
    d2 = dist2(np.asarray(seeds))[:, 0]
    for i in range(1, k):
        if i % STOP_EVERY == 0:
            stop()
        p = w * d2
        total = p.sum()
        if total <= 0:  # fewer distinct points than k: the rest would be duplicates
            break
        tries = rng.choice(len(x), size=trials, p=p / total)
        options = np.minimum(d2[:, None], dist2(tries))
        best = int(np.argmin((w[:, None] * options).sum(axis=0)))
        seeds.append(int(tries[best]))
        d2 = options[:, best]
    return np.asarray(seeds)


def kmeans(
    x: np.ndarray,
    k: int,
    seed: int,
    weights: np.ndarray | None = None,
    stop: Callable[[], None] = lambda: None,
) -> tuple[np.ndarray, np.ndarray]:
    """Cluster rows of ``x`` into at most ``k`` groups: (centroids, assignment (N,)).

    ``weights`` pull centroids towards heavy points (weighted k-means, as in Zhdanov 2019's
    diverse mini-batch active learning). Deterministic for a given seed. ``stop`` is
    called between the steps (seeding, Lloyd, each chunk's assignment): it raises to stop.
    """
    from labeldesk.ml.search import import_faiss

    faiss = import_faiss()  # quietly: its loader logs each CPU feature it tries
    k = int(min(k, len(x)))
    if k <= 1:
        total = sum(_f32(x[s : s + CHUNK]).sum(axis=0) for s in range(0, len(x), CHUNK))
        return (total / max(len(x), 1))[None, :].astype(np.float32), np.zeros(len(x), np.int64)
    rng = np.random.default_rng(seed)
    sample = np.arange(len(x))
    if len(x) > k * MAX_POINTS_PER_CENTROID:
        sample = np.sort(rng.choice(len(x), k * MAX_POINTS_PER_CENTROID, replace=False))
    xs = _f32(x[sample])
    ws = None if weights is None else np.asarray(weights, np.float32)[sample]
    seeds = kmeans_pp_seeds(xs, k, rng, ws, stop)
    stop()
    km = faiss.Kmeans(
        x.shape[1],
        len(seeds),
        niter=NITER,
        seed=int(seed) % (2**31),
        min_points_per_centroid=1,  # no "please provide more points" warning on stderr
        max_points_per_centroid=MAX_POINTS_PER_CENTROID,
        verbose=False,
    )
    km.train(xs, weights=ws, init_centroids=np.ascontiguousarray(xs[seeds]))
    stop()
    assign = np.empty(len(x), np.int64)
    bounds = [*range(0, len(x), CHUNK), len(x)]
    if len(bounds) > 2 and bounds[-1] - bounds[-2] < CHUNK // 4:
        del bounds[-2]  # a short tail goes with the chunk before (see CHUNK)
    for start, end in itertools.pairwise(bounds):  # read a chunk at a time
        stop()
        _, found = km.index.search(_f32(x[start:end]), 1)
        assign[start:end] = found[:, 0]
    return np.asarray(km.centroids), assign


def _f32(rows: np.ndarray) -> np.ndarray:
    """``rows`` as contiguous float32 (float16 rows of the vector store convert exactly)."""
    return np.ascontiguousarray(rows, dtype=np.float32)
