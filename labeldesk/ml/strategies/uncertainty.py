"""Uncertainty sampling (least confidence, margin, entropy), its diverse batch variant,
the random baseline, and the share of each batch spent on finding rare classes.

Uncertainty alone has two known failure modes that matter to a person labeling: a batch
of near-duplicates (all the same confusing image), and classes that the probe never
predicts because they have one or two labels. ``margin_clusters`` fixes the first;
``rare_class_picks`` the second.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .base import QueryContext, QueryResult, register_strategy, top_n
from .kmeans import kmeans
from .typiclust import typiclust

PREFILTER = 10  # margin_clusters clusters the 10·n most uncertain candidates (Zhdanov 2019)
RARE_FRACTION_OF_MEDIAN = 0.5  # a class is rare below half the median labels per class


def least_confidence_score(probs: np.ndarray) -> np.ndarray:
    return 1.0 - probs.max(axis=1)


def margin_score(probs: np.ndarray) -> np.ndarray:
    """1 - (top1 - top2): 1 when the two best classes tie."""
    if probs.shape[1] < 2:
        return np.zeros(len(probs))
    top2 = np.partition(probs, -2, axis=1)[:, -2:]
    return 1.0 - (top2[:, 1] - top2[:, 0])


def entropy_score(probs: np.ndarray) -> np.ndarray:
    """Shannon entropy divided by log(C), so 1 is a flat prediction."""
    p = np.clip(probs, 1e-12, 1.0)
    h = -(probs * np.log(p)).sum(axis=1)
    return h / math.log(max(probs.shape[1], 2))


@register_strategy("random")
def random_strategy(ctx: QueryContext, n: int) -> QueryResult:
    """The baseline every other strategy has to beat."""
    cand = ctx.candidates
    picks = np.random.default_rng(ctx.seed).permutation(cand)[:n]
    return QueryResult(picks.astype(np.int64), np.zeros(len(picks)), "random")


@register_strategy("least_confidence")
def least_confidence(ctx: QueryContext, n: int) -> QueryResult:
    return _uncertainty_query(ctx, n, least_confidence_score, "least_confidence")


@register_strategy("margin")
def margin(ctx: QueryContext, n: int) -> QueryResult:
    return _uncertainty_query(ctx, n, margin_score, "margin")


@register_strategy("entropy")
def entropy(ctx: QueryContext, n: int) -> QueryResult:
    return _uncertainty_query(ctx, n, entropy_score, "entropy")


@register_strategy("margin_clusters")
def margin_clusters(ctx: QueryContext, n: int) -> QueryResult:
    """Smallest margins, one per cluster: prefilter the 10·n most uncertain candidates,
    weighted k-means into n clusters, take each cluster's most uncertain member.

    Diverse mini-batch active learning (Zhdanov 2019) and Cluster-Margin (Citovsky et al.,
    NeurIPS 2021): a batch covers n different confusions instead of n copies of one.
    """
    return _uncertainty_query(ctx, n, margin_score, "margin_clusters", diverse=True)


def _uncertainty_query(
    ctx: QueryContext,
    n: int,
    measure: Callable[[np.ndarray], np.ndarray],
    name: str,
    *,
    diverse: bool = False,
) -> QueryResult:
    """Rank candidates by ``measure`` and mix in rare-class picks; typiclust without a probe.

    Scores stay each item's uncertainty, so a rare-class pick may score below its neighbours.
    """
    if ctx.pred_probs is None:  # fewer than two labeled classes: nothing to be unsure about
        return typiclust(ctx, n)
    cand = ctx.candidates
    n = min(n, len(cand))
    if n == 0:
        return QueryResult.empty(name)
    u = measure(ctx.pred_probs[cand])
    rare = rare_class_picks(ctx, n)
    free = np.ones(len(cand), bool)
    free[rare] = False
    rest = np.flatnonzero(free)
    k = n - len(rare)
    if diverse:
        x = ctx.embeddings[cand[rest]]
        main = rest[_diverse_top(x, u[rest], k, ctx.seed, ctx.stop_if_cancelled)]
    else:
        main = rest[top_n(u[rest], k)]
    order = interleave(main, rare)
    return QueryResult(cand[order].astype(np.int64), u[order], name)


def _diverse_top(
    x: np.ndarray, u: np.ndarray, k: int, seed: int, stop: Callable[[], None]
) -> np.ndarray:
    """k positions, one per cluster of the most uncertain 10·k, most uncertain first
    (``stop`` between k-means' steps)."""
    if k <= 0:
        return np.zeros(0, np.int64)
    pool = top_n(u, min(len(u), PREFILTER * k))
    _, assign = kmeans(x[pool], k, seed, weights=u[pool] + 1e-6, stop=stop)
    # the most uncertain member of each cluster: sort by (cluster, -u), keep each first
    order = np.lexsort((-u[pool], assign))
    first = np.ones(len(order), bool)
    first[1:] = assign[order][1:] != assign[order][:-1]
    chosen = pool[order[first]]
    if len(chosen) < k:  # duplicates collapsed some clusters: top up by uncertainty
        left = np.setdiff1d(pool, chosen)
        chosen = np.concatenate([chosen, left[top_n(u[left], k - len(chosen))]])
    return chosen[top_n(u[chosen], k)]


def rare_class_picks(ctx: QueryContext, n: int) -> np.ndarray:
    """Positions in ``ctx.candidates`` of items the probe thinks belong to rare classes.

    A labeled class with fewer than half the median labels per class is rare. Up to
    ``ctx.rare_share`` of the batch (never more than it takes to lift the rare classes to
    half the median) goes to the candidates with the highest probability of a rare class,
    rarest class first, round-robin. Uncertainty alone drowns such a class: its few
    labels make the probe rarely predict it, so its members look confidently like
    something else. When labels are balanced this returns nothing.
    """
    counts = ctx.class_counts()
    present = np.flatnonzero(counts > 0)
    if ctx.pred_probs is None or len(present) < 2 or ctx.rare_share <= 0:
        return np.zeros(0, np.int64)
    target = RARE_FRACTION_OF_MEDIAN * float(np.median(counts[present]))
    deficit = np.ceil(target - counts[present]).clip(min=0).astype(int)
    budget = int(min(math.ceil(ctx.rare_share * n), deficit.sum(), n))
    if budget == 0:
        return np.zeros(0, np.int64)
    rare = present[deficit > 0]
    want = deficit[deficit > 0]
    by_rarity = np.argsort(counts[rare], kind="stable")
    rare, want = rare[by_rarity], want[by_rarity]
    quota = np.zeros(len(rare), int)
    while quota.sum() < budget:  # round-robin, rarest first, never past a class's deficit
        for i in np.flatnonzero(quota < want)[: budget - quota.sum()]:
            quota[i] += 1
    probs = ctx.pred_probs[ctx.candidates]
    taken = np.zeros(len(probs), bool)
    picks: list[np.ndarray] = []
    for c, q in zip(rare, quota, strict=True):
        order = np.argsort(-probs[:, c], kind="stable")
        best = order[~taken[order]][:q]
        taken[best] = True
        picks.append(best)
    # rarest class first within each round, so the first rare pick is the rarest class
    return _round_robin(picks)


def _round_robin(groups: list[np.ndarray]) -> np.ndarray:
    longest = max((len(g) for g in groups), default=0)
    out = [g[i] for i in range(longest) for g in groups if i < len(g)]
    return np.asarray(out, np.int64)


def interleave(main: np.ndarray, extra: np.ndarray) -> np.ndarray:
    """Spread ``extra`` evenly through ``main`` so a person who labels only the top of the
    batch still sees some of them."""
    total = len(main) + len(extra)
    if len(extra) == 0:
        return main
    out = np.empty(total, np.int64)
    at = ((np.arange(len(extra)) + 0.5) * total / len(extra)).astype(np.int64)
    is_extra = np.zeros(total, bool)
    is_extra[at] = True
    out[at] = extra
    out[~is_extra] = main
    return out
