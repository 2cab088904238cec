"""The default strategy: typical images first, then uncertain ones that no label covers.

Which kind of image teaches a classifier most depends on how many labels it already has
(Hacohen et al., "Active Learning on a Budget", ICML 2022): with no probe, or a handful of
labels per class, uncertainty is noise and representative images win (TypiClust, the
cold start here); after that, the confusions between classes are what is left to learn.

After the cold start each batch is chosen by **uncertainty herding**
(:mod:`.herding`): greedy picks that are uncertain themselves and stand among uncertain
images that no label covers yet, with the rare-class share of
:func:`.uncertainty.rare_class_picks`. While some defined class has no label a
**coverage** share of the batch goes to TypiClust's pick, the most typical image of the
largest k-means region that holds the fewest labels: a probe gives a class with no label
probability 0, so uncertainty can never ask for it, and regions no label reaches are where
such a class hides (the coverage view of Sener & Savarese's core-set, 2018, and ProbCover,
Yehuda et al., NeurIPS 2022).

Chosen on ``benchmarks/bench_active.py`` by the worst case over Fashion-MNIST and digits
pools with four class mixes (20 seeds; the photo crops kept out of the choice). Until
session 26 the second phase was diverse margin (the smallest top-2 margins, one per
k-means cluster of the most uncertain candidates; Zhdanov 2019, Citovsky et al. 2021) with
a 10 % coverage share; coverage shares 0-0.35, a switch at 2 or 4 labels per class, plain
or diverse margin, BADGE, committees and a rare-class share balancing to the median were
all within noise of each other. Herding sees the labels already given, which k-means over
the uncertain candidates did not, and gains most at 50-100 labels. Figures in the README
and the benchmark's docstring.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .base import STRATEGIES, QueryContext, QueryResult, register_strategy
from .typiclust import typiclust, typiclust_all
from .uncertainty import interleave, margin_score

SWITCH_LABELS_PER_CLASS = 2.0  # typiclust until this many labels per defined class
COVERAGE_SHARE = 0.0  # of each later batch, once every class has a label (herding covers)
COVERAGE_SHARE_MISSING = 0.2  # while some defined class has no label yet
INNER = "uncertainty_herding"  # the strategy for the rest of the batch
# coverage clusters every labeled image plus a sample of the rest, up to this many: k-means
# into |labeled| + n clusters over 100k x 1280 took ~35 s a batch on one busy core, ~5 s so
COVERAGE_MAX_POINTS = 5_000
# ... and at most this many of the labeled ones (a seeded sample): a 1M-image project has
# ~950k labels, and clustering them all took minutes and 5 GB of float32
COVERAGE_MAX_LABELED = 20_000


@register_strategy("auto")
def auto(ctx: QueryContext, n: int) -> QueryResult:
    """typiclust while there is no probe or fewer than SWITCH_LABELS_PER_CLASS labels per
    defined class; coverage_margin after."""
    per_class = ctx.n_labeled / max(ctx.n_classes, 2)
    if ctx.pred_probs is None or per_class < SWITCH_LABELS_PER_CLASS:
        return typiclust(ctx, n)
    return coverage_margin(ctx, n)


def coverage_margin(ctx: QueryContext, n: int) -> QueryResult:
    """auto's second phase: a coverage share of the batch from typiclust (regions with the
    fewest labels) while a class has no label, the rest by INNER (uncertainty herding);
    typiclust alone without a probe. Not registered on its own (``labeldesk queue --help``
    lists the registered names by hand).

    Scores are every pick's margin uncertainty (1 = the top two classes tie), so they stay
    comparable within the batch whichever part chose the pick.
    """
    if ctx.pred_probs is None:
        return typiclust(ctx, n)
    n = min(n, len(ctx.candidates))
    if n == 0:
        return QueryResult.empty("coverage_margin")
    missing = bool((ctx.class_counts() == 0).any())
    share = COVERAGE_SHARE_MISSING if missing else COVERAGE_SHARE
    n_cover = round(share * n)
    cover = coverage_picks(ctx, n_cover)
    ctx.stop_if_cancelled()
    rest = ctx.candidate_mask.copy()
    rest[cover] = False
    main = STRATEGIES[INNER](replace(ctx, candidate_mask=rest), n - len(cover)).indices
    order = interleave(np.asarray(main, np.int64), np.asarray(cover, np.int64))
    return QueryResult(order, margin_score(ctx.pred_probs[order]), "coverage_margin")


def coverage_picks(ctx: QueryContext, n: int) -> np.ndarray:
    """typiclust's ``n`` picks, on a seeded sample of at most COVERAGE_MAX_POINTS rows
    (every labeled one kept, so covered regions still count as covered, up to
    COVERAGE_MAX_LABELED of them)."""
    if n <= 0:
        return np.zeros(0, np.int64)
    total = len(ctx.labels)
    if total <= COVERAGE_MAX_POINTS:
        return np.asarray(typiclust(ctx, n).indices, np.int64)
    rng = np.random.default_rng(ctx.seed)
    labeled = np.flatnonzero(ctx.labeled_mask)
    if len(labeled) > COVERAGE_MAX_LABELED:  # a sample still covers every well-labeled region
        labeled = rng.choice(labeled, COVERAGE_MAX_LABELED, replace=False)
    others = np.flatnonzero(~ctx.labeled_mask & ctx.candidate_mask)
    take = min(len(others), max(COVERAGE_MAX_POINTS - len(labeled), n))
    rows = np.sort(np.concatenate([labeled, rng.choice(others, take, replace=False)]))
    sample = QueryContext(
        embeddings=ctx.embeddings[rows],
        labeled_mask=ctx.labeled_mask[rows],
        candidate_mask=ctx.candidate_mask[rows],
        labels=ctx.labels[rows],
        n_classes=ctx.n_classes,
        seed=ctx.seed,
        cancel=ctx.cancel,
    )
    return rows[typiclust_all(sample, n).indices]  # its own sample: not sampled again
