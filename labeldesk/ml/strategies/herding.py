"""Uncertainty herding: uncertain images in regions that no label covers yet.

Each image x' of the collection is *covered* by its most similar labeled or picked image s
to the degree k(x', s), a Gaussian kernel on the unit vectors, and it counts with its
margin uncertainty u(x'). Picks are made greedily; a pick's gain is

    sum over x' of u(x') * max(0, k(x', pick) - coverage(x'))

so the best pick is uncertain itself and stands among other uncertain images that no label
reaches. Unlike one pick per k-means cluster of the most uncertain images, it sees the
labels already given: an uncertain region right beside a labeled image gains little, and a
batch spreads itself without a separate coverage share. Generalised coverage (MaxHerding,
Bae et al., ECCV 2024) weighted by uncertainty as in Uncertainty Herding (Bae et al.,
2025). The rare-class share of :func:`.uncertainty.rare_class_picks` is taken first; the
other picks come from the PREFILTER x (their number) most uncertain candidates, ties in
uncertainty broken at random (seeded), not by the images' order in the project.

Chosen for ``auto``'s second phase on ``benchmarks/bench_active.py`` (figures in the README
and the benchmark's docstring).

The objective is estimated on at most MAX_POINTS images (every labeled one up to
MAX_LABELED, then a seeded sample of the rest), so a million-image project costs what a
5,000-image one does.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .base import QueryContext, QueryResult, register_strategy
from .typiclust import SAME_VECTOR, typiclust
from .uncertainty import interleave, margin_score, rare_class_picks

PREFILTER = 10  # herded picks come from the 10x as many most uncertain candidates
NEIGHBOUR = 10  # the kernel's width: the median distance to the 10th nearest neighbour
MAX_POINTS = 5_000  # images the objective is summed over (a seeded sample beyond)
MAX_LABELED = 2_500  # ... of which at most this many labeled ones (they set the coverage)
WIDTH_SAMPLE = 500  # images whose 10th-neighbour distance sets the width
MAX_PICKS = 1_000  # a bigger batch takes its rest by uncertainty alone
STOP_EVERY = 32  # greedy picks between two cancel checks
# Two vectors this close are copies of one image (typiclust's SAME_VECTOR as a squared
# distance): distance 0 to the kernel, and no neighbour when the width is measured.
SAME_D2 = 2.0 - 2.0 * SAME_VECTOR


@register_strategy("uncertainty_herding")
def uncertainty_herding(ctx: QueryContext, n: int) -> QueryResult:
    """Greedy uncertainty-weighted coverage; typiclust while there is no probe."""
    if ctx.pred_probs is None:
        return typiclust(ctx, n)
    cand = ctx.candidates
    n = max(0, min(n, len(cand)))
    if n == 0:
        return QueryResult.empty("uncertainty_herding")
    u = margin_score(ctx.pred_probs)
    chosen = cand[rare_class_picks(ctx, n)].astype(np.int64)
    ctx.stop_if_cancelled()
    free = np.setdiff1d(cand, chosen)
    shuffle = np.random.default_rng(ctx.seed).permutation(len(free))
    by_doubt = free[np.lexsort((shuffle, -u[free]))]  # most uncertain first, ties at random
    herd = min(n - len(chosen), MAX_PICKS)
    pool = by_doubt[: PREFILTER * herd]
    rows = _objective_rows(ctx)
    x = ctx.embeddings
    points = np.asarray(x[rows], np.float32)
    h2 = _width2(points, ctx.seed)
    ctx.stop_if_cancelled()
    covered = np.zeros(len(rows), np.float32)
    given = np.flatnonzero(ctx.labeled_mask[rows])
    for covering in (points[given], np.asarray(x[chosen], np.float32)):
        if len(covering):
            np.maximum(covered, _kernel(points, covering, h2).max(axis=1), out=covered)
            ctx.stop_if_cancelled()
    kernel = _kernel(points, np.asarray(x[pool], np.float32), h2)
    ctx.stop_if_cancelled()
    picked = greedy_coverage(kernel, u[rows], covered, herd, ctx.stop_if_cancelled)
    herded = pool[picked]
    # shown most uncertain first, the score a person sees (the batch is the same), with the
    # rare-class picks spread through it as the other uncertainty strategies spread them
    order = interleave(herded[np.argsort(-u[herded], kind="stable")], chosen)
    if len(order) < n:  # past MAX_PICKS: the rest by uncertainty alone
        rest = by_doubt[~np.isin(by_doubt, order)]  # most uncertain first
        order = np.concatenate([order, rest[: n - len(order)]])
    order = order.astype(np.int64)
    return QueryResult(order, u[order], "uncertainty_herding")


def greedy_coverage(
    k: np.ndarray,
    weights: np.ndarray,
    covered: np.ndarray,
    n: int,
    stop: Callable[[], None] = lambda: None,
) -> np.ndarray:
    """Up to ``n`` columns of the kernel ``k`` (rows: the objective's points), each the one
    that adds the most weighted coverage to what ``covered`` holds, in the order picked.

    Gains are kept up to date rather than recomputed: a pick changes the coverage only of
    the rows it covers better than before, so only those rows are revisited (the same
    picks as a full recomputation, at a fraction of the cost for a large batch). Gains are
    summed in float64: in float32 hundreds of updates drifted enough to swap near-ties.
    ``stop`` is called every STOP_EVERY picks (it raises to stop: a cancelled job).
    """
    w = np.asarray(weights, np.float64)
    covered = np.array(covered, np.float32)
    gain = w @ np.maximum(k - covered[:, None], 0.0)
    open_ = np.ones(k.shape[1], bool)
    picks: list[int] = []
    while len(picks) < n and open_.any():
        if len(picks) % STOP_EVERY == STOP_EVERY - 1:
            stop()
        best = int(np.argmax(np.where(open_, gain, -np.inf)))
        picks.append(best)
        open_[best] = False
        now = np.maximum(covered, k[:, best])
        moved = np.flatnonzero(now > covered)
        if len(moved):
            part = k[moved]
            lost = np.maximum(part - covered[moved, None], 0.0)
            lost -= np.maximum(part - now[moved, None], 0.0)
            gain -= w[moved] @ lost
        covered = now
    return np.asarray(picks, np.int64)


def _objective_rows(ctx: QueryContext) -> np.ndarray:
    """Every row when there are at most MAX_POINTS; else a seeded sample of labeled rows (up
    to MAX_LABELED) and of the rest, ascending."""
    total = len(ctx.labels)
    if total <= MAX_POINTS:
        return np.arange(total)
    rng = np.random.default_rng(ctx.seed)
    labeled = np.flatnonzero(ctx.labeled_mask)
    if len(labeled) > MAX_LABELED:
        labeled = rng.choice(labeled, MAX_LABELED, replace=False)
    others = np.flatnonzero(~ctx.labeled_mask)
    take = min(len(others), MAX_POINTS - len(labeled))
    return np.sort(np.concatenate([labeled, rng.choice(others, take, replace=False)]))


def _width2(points: np.ndarray, seed: int) -> float:
    """Squared kernel width: the median squared distance from a sample of the points to
    their NEIGHBOUR-th nearest other image. Copies (itself included) are not neighbours:
    burst shots stored ten times over would make the width 0, and then no label would
    cover anything but its own copies. 1 when too few distinct images are left."""
    if len(points) <= NEIGHBOUR:
        return 1.0
    rng = np.random.default_rng(seed)
    some = rng.choice(len(points), min(WIDTH_SAMPLE, len(points)), replace=False)
    d2 = np.clip(2.0 - 2.0 * (points[some] @ points.T), 0.0, None)
    d2[d2 <= SAME_D2] = np.inf
    kth = np.partition(d2, NEIGHBOUR - 1, axis=1)[:, NEIGHBOUR - 1]
    kth = kth[np.isfinite(kth)]
    return max(float(np.median(kth)), SAME_D2) if len(kth) else 1.0


def _kernel(a: np.ndarray, b: np.ndarray, h2: float) -> np.ndarray:
    """exp(-d² / 2h²) between the rows of ``a`` and ``b`` (float32), computed in place:
    one (len(a), len(b)) array, not four (5,000 x 2,500: 50 MB each). The same values
    as ``exp(-(2 - 2ab) / 2h²)`` step by step: scaling by -2 is exact and x / -c is
    -(x / c) exactly."""
    d2 = np.asarray(a @ b.T, dtype=np.float32)
    d2 *= -2.0
    d2 += 2.0
    d2[d2 <= SAME_D2] = 0.0  # copies (and float16 vectors a little short of unit length)
    d2 /= np.float32(-2.0 * h2)
    return np.exp(d2, out=d2)
