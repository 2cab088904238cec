"""TypiClust: label typical examples of regions no label covers yet (the cold start).

Hacohen, Dekel & Weinshall, "Active Learning on a Budget: Opposite Strategies Suit High
and Low Budgets", ICML 2022. With few labels a probe's uncertainty is noise, and the most
uncertain images are outliers; what helps is one representative image per dense region.
Cluster everything into |labeled| + n clusters, visit the largest clusters that hold no
label first, and from each take its most typical point: the highest inverse mean distance
to its K nearest neighbours within the cluster. Constants follow the authors' code
(K = 20, clusters smaller than 5 skipped, at most 500 clusters); in a pool too small for
clusters of 5, half the mean cluster size is the bar instead (:func:`min_cluster_size`).

Scores are each pick's typicality divided by the batch's highest, in [0, 1] (1 = the most
typical pick), like every other strategy's: typicality itself has no upper bound.

A pool of more than MAX_POINTS rows (50,000) is clustered on a seeded sample of that many
(:func:`sample_rows`). Every row took part before: the cold start of a project read all
its vectors from the store (2.4 GB at a million images) to place each in a cluster, where
k-means itself is fit on at most 64 points a cluster and a cluster's typicality taken
over at most 2,000 of its members.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .base import QueryContext, QueryResult, register_strategy
from .kmeans import kmeans

K_NN = 20
MIN_CLUSTER_SIZE = 5
MAX_CLUSTERS = 500
MAX_DENSITY_POINTS = 2000  # typicality of a huge cluster is estimated on a random sample
# Cosine of two copies of one image as the store gives them back: stored as float16 and
# not re-normalised, a copy's cosine to its twin is off by up to ~6e-5 (and by more in
# float16 search); distinct images are not this close.
SAME_VECTOR = 1 - 1e-3
# Rows clustered at most (a seeded sample above that: every labeled row up to MAX_LABELED,
# the rest drawn from the unlabeled ones): 100 a cluster at MAX_CLUSTERS, 128 MB of
# float16 at 1280-d. benchmarks/bench_active.py's typ_s1000 and typ_s500 (40 and 20 rows a
# cluster at the first batch's 25) lost 0.02-0.05 accuracy at 25 labels on 4 of the 8
# mixes, where the whole pools hold 80 a cluster (README, *What to label next*).
MAX_POINTS = 50_000
MAX_LABELED = 10_000


def typicality(points: np.ndarray, reference: np.ndarray, k: int) -> np.ndarray:
    """1 / (mean Euclidean distance to the k nearest rows of ``reference``).

    ``points`` are the first rows of ``reference``, so each point's zero distance to
    itself is left out. Copies (identical vectors) are left out too: a region is not
    denser for holding one image twice, and a zero distance would make a copied image
    thousands of times more "typical" than any other.
    """
    # One (points x reference) matrix turned into distances in place (2,000 x 2,000 at
    # most: 16 MB of float32; five temporaries of it before, beside the cold start's
    # sample), the same values as 2 - 2 * sims computed apart: rows are unit vectors
    dist = points @ reference.T
    same = dist >= SAME_VECTOR
    dist *= -2.0
    dist += 2.0
    np.clip(dist, 0.0, None, out=dist)
    np.sqrt(dist, out=dist)
    dist[same] = np.inf
    del same
    dist[np.arange(len(points)), np.arange(len(points))] = np.inf
    k = max(1, min(k, reference.shape[0] - 1))
    dist.partition(k - 1, axis=1)
    return 1.0 / (dist[:, :k].mean(axis=1) + 1e-5)  # 0 where fewer than k others are left


@register_strategy("typiclust")
def typiclust(ctx: QueryContext, n: int) -> QueryResult:
    """:func:`typiclust_all` on the pool, or on a seeded sample of MAX_POINTS rows of a
    larger one (:func:`sample_rows`); only the sample's rows are read."""
    rows = sample_rows(ctx, n, MAX_POINTS, MAX_LABELED)
    if rows is None:
        return typiclust_all(ctx, n)
    picked = typiclust_all(sample_context(ctx, rows), n)
    return QueryResult(rows[picked.indices], picked.scores, picked.strategy)


def sample_rows(ctx: QueryContext, n: int, most: int, most_labeled: int) -> np.ndarray | None:
    """Rows (ascending) of a seeded sample of the pool: every labeled row (a random
    ``most_labeled`` of them when there are more), so regions already covered still count
    as covered, and unlabeled rows drawn at random, candidates or not (as the whole pool,
    they make the density), with at least ``n`` candidates among them (or all there
    are), ``most`` rows in all unless ``n`` candidates need more. None when the pool
    has no more than ``most`` rows: it is used whole."""
    total = len(ctx.labels)
    if total <= most:
        return None
    rng = np.random.default_rng(ctx.seed)
    labeled = np.flatnonzero(ctx.labeled_mask)
    if len(labeled) > most_labeled:
        labeled = rng.choice(labeled, most_labeled, replace=False)
    rest = np.flatnonzero(~ctx.labeled_mask)
    cands = ctx.candidates
    want = min(n, len(cands))
    take = min(len(rest), max(most - len(labeled), want))
    others = rng.choice(rest, take, replace=False)
    is_cand = ctx.candidate_mask[others]
    short = want - int(is_cand.sum())
    if short > 0:  # too few candidates drawn: some non-candidates give way to them
        missing = np.setdiff1d(cands, others[is_cand], assume_unique=True)
        extra = rng.choice(missing, short, replace=False)
        others = np.concatenate([others[is_cand], extra, others[~is_cand][: take - want]])
    return np.sort(np.concatenate([labeled, others]))


def sample_context(ctx: QueryContext, rows: np.ndarray) -> QueryContext:
    """``ctx`` restricted to ``rows`` (ascending), their vectors read once, as stored."""
    probs = ctx.pred_probs
    return replace(
        ctx,
        embeddings=np.asarray(ctx.embeddings[rows]),
        labeled_mask=ctx.labeled_mask[rows],
        candidate_mask=ctx.candidate_mask[rows],
        labels=ctx.labels[rows],
        pred_probs=None if probs is None else probs[rows],
    )


def typiclust_all(ctx: QueryContext, n: int) -> QueryResult:
    """TypiClust over every row of ``ctx`` (see the module's docstring)."""
    cand = ctx.candidates
    n = min(n, len(cand))
    if n == 0:
        return QueryResult.empty("typiclust")
    x = ctx.embeddings
    k = min(ctx.n_labeled + n, MAX_CLUSTERS, len(x))
    _, assign = kmeans(x, k, ctx.seed, stop=ctx.stop_if_cancelled)
    k = int(assign.max()) + 1
    sizes = np.bincount(assign, minlength=k)
    covered = np.bincount(assign[ctx.labeled_mask], minlength=k).astype(float)
    is_cand = np.zeros(len(x), bool)
    is_cand[cand] = True
    open_ = np.bincount(assign[cand], minlength=k) > 0
    small = sizes < min_cluster_size(len(x), k)  # outliers only once nothing else is left
    rng = np.random.default_rng(ctx.seed)
    ranked: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    used = np.zeros(len(x), bool)
    picks: list[int] = []
    scores: list[float] = []
    while len(picks) < n and open_.any():
        ids = np.flatnonzero(open_)
        # fewest labels (and picks) first, then largest
        c = int(ids[np.lexsort((-sizes[ids], covered[ids], small[ids]))[0]])
        if c not in ranked:
            ctx.stop_if_cancelled()
            ranked[c] = _rank_cluster(x, np.flatnonzero(assign == c), is_cand, rng)
        members, typ = ranked[c]
        free = ~used[members]
        if not free.any():
            open_[c] = False
            continue
        best = int(np.flatnonzero(free)[0])
        used[members[best]] = True
        picks.append(int(members[best]))
        scores.append(float(typ[best]))
        covered[c] += 1
        open_[c] = bool((~used[members]).any())
    return QueryResult(np.asarray(picks, np.int64), _relative(np.asarray(scores)), "typiclust")


def min_cluster_size(points: int, clusters: int) -> int:
    """Clusters smaller than this are outliers: MIN_CLUSTER_SIZE, or half the mean cluster
    size when that is smaller. In a small pool (140 photo crops, 10 per class, in 25
    clusters) real classes form clusters of 3-4: as outliers they waited until every other
    cluster had been picked twice, and the cold start fell below random (0.64 against 0.68
    at 25 labels, benchmarks/bench_active.py on 560 crops)."""
    return max(1, min(MIN_CLUSTER_SIZE, points // (2 * max(clusters, 1))))


def _relative(typ: np.ndarray) -> np.ndarray:
    """Typicality as a share of the batch's highest: the same order, in [0, 1]."""
    top = typ.max() if len(typ) else 0.0
    return typ / top if top > 0 else np.zeros(len(typ))


def _rank_cluster(
    x: np.ndarray, members: np.ndarray, is_cand: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """The cluster's candidates, most typical first, with their typicality."""
    reference = members
    if len(reference) > MAX_DENSITY_POINTS:
        reference = np.sort(rng.choice(members, MAX_DENSITY_POINTS, replace=False))
    cands = members[is_cand[members]]
    if len(cands) > MAX_DENSITY_POINTS:
        cands = np.sort(rng.choice(cands, MAX_DENSITY_POINTS, replace=False))
    # put the evaluated points first in the reference, so self-distances sit on the diagonal
    rest = np.setdiff1d(reference, cands, assume_unique=True)
    ref = np.concatenate([cands, rest])
    k = min(K_NN, len(members) // 2)
    # float32 whatever the store keeps (a memory map of float16 rows): the same values
    typ = typicality(np.asarray(x[cands], np.float32), np.asarray(x[ref], np.float32), k=k)
    order = np.argsort(-typ, kind="stable")
    return cands[order], typ[order]
