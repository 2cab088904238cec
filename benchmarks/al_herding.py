"""Uncertainty-weighted kernel coverage for bench_active.py (research): auto's inner step.

The research version of labeldesk/ml/strategies/herding.py (auto's inner step since session
26), with options that one does not have: the kernel summed over the whole pool (no
sample), picks from every candidate (PREFILTER 0), other widths and weights.
``herding_research`` picks a batch by greedy maximisation of a coverage objective:
each pool image x' is covered by its most similar labeled or picked image s, to the degree
k(x', s) (a Gaussian kernel on the unit vectors), and counts with its margin uncertainty
u(x'). A pick's gain is sum over x' of u(x') * max(0, k(x', pick) - coverage(x')): an
image that is uncertain itself, in a region of uncertain images that no label covers yet.
Unlike margin_clusters (k-means over the most uncertain candidates, one pick per cluster)
it sees the labels already given: an uncertain region right beside a labeled image gains
little. Generalised coverage (MaxHerding, Bae et al., ECCV 2024) weighted by uncertainty as
in Uncertainty Herding (Bae et al., 2025). The rare-class share of margin_clusters is kept.

BANDWIDTH scales the kernel's width, in units of the median distance from an image to its
10th nearest neighbour in the pool.
"""

from __future__ import annotations

import numpy as np

from labeldesk.ml.strategies import uncertainty
from labeldesk.ml.strategies.base import QueryContext, QueryResult, register_strategy
from labeldesk.ml.strategies.typiclust import typiclust

BANDWIDTH = 1.0
NEIGHBOUR = 10
PREFILTER = 0  # > 0: pick among the PREFILTER x n most uncertain candidates only
WEIGHT = "margin"  # "margin2": its square; "flat": plain coverage, no uncertainty


def kernel(x: np.ndarray) -> np.ndarray:
    """(N, N) Gaussian kernel on unit vectors, width BANDWIDTH x the median distance to
    the NEIGHBOUR-th nearest neighbour."""
    sims = x @ x.T
    d2 = np.clip(2.0 - 2.0 * sims, 0.0, None)
    kth = np.partition(d2, NEIGHBOUR, axis=1)[:, NEIGHBOUR]  # column 0 is the image itself
    h2 = float(np.median(kth)) * BANDWIDTH**2
    return np.exp(-d2 / (2.0 * max(h2, 1e-12))).astype(np.float32)


@register_strategy("herding_research")
def uncertainty_herding(ctx: QueryContext, n: int) -> QueryResult:
    if ctx.pred_probs is None:
        return typiclust(ctx, n)
    cand = ctx.candidates
    n = min(n, len(cand))
    if n == 0:
        return QueryResult.empty("herding_research")
    x = np.asarray(ctx.embeddings, np.float32)
    k = kernel(x)
    u = uncertainty.margin_score(ctx.pred_probs)
    w = {"margin": u, "margin2": u**2, "flat": np.ones_like(u)}[WEIGHT].astype(np.float32)
    chosen = list(cand[uncertainty.rare_class_picks(ctx, n)])
    covered = np.zeros(len(x), np.float32)
    for s in [*np.flatnonzero(ctx.labeled_mask), *chosen]:
        np.maximum(covered, k[:, s], out=covered)
    free = ctx.candidate_mask & ~ctx.labeled_mask
    free[chosen] = False
    if PREFILTER > 0:
        rows = np.flatnonzero(free)
        keep = rows[np.argsort(-u[rows], kind="stable")[: PREFILTER * n]]
        free[:] = False
        free[keep] = True
    while len(chosen) < n and free.any():
        cols = np.flatnonzero(free)
        gain = w @ np.maximum(k[:, cols] - covered[:, None], 0.0)
        pick = int(cols[int(np.argmax(gain))])
        chosen.append(pick)
        free[pick] = False
        np.maximum(covered, k[:, pick], out=covered)
    picks = np.asarray(chosen, np.int64)
    return QueryResult(picks, u[picks], "herding_research")
