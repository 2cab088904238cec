"""The variants bench_active.py compares: each a query strategy and the constants to set
for its runs (a NAME in labeldesk/ml/strategies/auto.py, ``module.NAME`` in another
strategy module or a research module here, ``ctx.NAME`` on the query's context), kept
apart from the benchmark so that a session's new candidates are added here.

:func:`variant_set` sets a variant's constants for one run and puts the defaults back
after it. The research modules that register strategies (al_committee.py, al_herding.py,
al_small.py) are imported here, with the variants that use them.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator
from typing import Any

import al_committee  # noqa: F401  (registers committee_clusters)
import al_herding  # noqa: F401  (registers herding_research)
import al_small  # noqa: F401  (registers auto_small)

RESEARCH_MODULES = ("al_committee", "al_herding", "al_small")

# Variants up to ``margin_clusters`` vary the default of their day (auto's inner step was
# diverse margin with a 10 % coverage share until session 26): OLD_AUTO pins it.
OLD_AUTO: dict[str, Any] = {"INNER": "margin_clusters", "COVERAGE_SHARE": 0.1}
HERD: dict[str, Any] = {"INNER": "herding_research", "COVERAGE_SHARE": 0.1}
NO_SHARE: dict[str, Any] = {"COVERAGE_SHARE": 0, "COVERAGE_SHARE_MISSING": 0}

# name -> (strategy, constants to set: NAME in strategies/auto.py, or module.NAME)
VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "random": ("random", {}),
    "auto": ("auto", {}),
    "dmargin_cov10": ("auto", OLD_AUTO),  # the default until session 26
    "old": (
        "auto",
        {
            "COVERAGE_SHARE": 0,
            "COVERAGE_SHARE_MISSING": 0,
            "INNER": "margin",
            "kmeans.MIN_SEED_TRIALS": 0,
        },
    ),
    "dmargin": ("auto", OLD_AUTO | NO_SHARE),
    "cov10": ("auto", OLD_AUTO | {"COVERAGE_SHARE": 0.1, "COVERAGE_SHARE_MISSING": 0.3}),
    "cov20": ("auto", OLD_AUTO | {"COVERAGE_SHARE": 0.2, "COVERAGE_SHARE_MISSING": 0.4}),
    "cov35": ("auto", OLD_AUTO | {"COVERAGE_SHARE": 0.35, "COVERAGE_SHARE_MISSING": 0.5}),
    "miss20": ("auto", OLD_AUTO | {"COVERAGE_SHARE": 0.0, "COVERAGE_SHARE_MISSING": 0.2}),
    "cov10_20": ("auto", OLD_AUTO | {"COVERAGE_SHARE": 0.1, "COVERAGE_SHARE_MISSING": 0.2}),
    "cov50": ("auto", OLD_AUTO | {"COVERAGE_SHARE": 0.5, "COVERAGE_SHARE_MISSING": 0.6}),
    "cov20_s6": ("auto", OLD_AUTO | {"SWITCH_LABELS_PER_CLASS": 6.0}),
    "cov20_s4": ("auto", OLD_AUTO | {"SWITCH_LABELS_PER_CLASS": 4.0}),
    "cov20_plain": ("auto", OLD_AUTO | {"INNER": "margin"}),
    "bal": ("auto", OLD_AUTO | {"uncertainty.RARE_FRACTION_OF_MEDIAN": 1.0}),
    "bal_half": (
        "auto",
        OLD_AUTO | {"uncertainty.RARE_FRACTION_OF_MEDIAN": 1.0, "ctx.rare_share": 0.5},
    ),
    "old_bal": (
        "auto",
        {
            "COVERAGE_SHARE": 0,
            "COVERAGE_SHARE_MISSING": 0,
            "INNER": "margin",
            "kmeans.MIN_SEED_TRIALS": 0,
            "uncertainty.RARE_FRACTION_OF_MEDIAN": 1.0,
        },
    ),
    "auto_trials3": ("auto", OLD_AUTO | {"kmeans.MIN_SEED_TRIALS": 0}),
    "typiclust": ("typiclust", {}),
    "pre3": ("auto", OLD_AUTO | {"uncertainty.PREFILTER": 3}),
    "knnmix": ("auto", OLD_AUTO | {"ctx.knnmix": 0.5}),
    "pre30": ("auto", OLD_AUTO | {"uncertainty.PREFILTER": 30}),
    # typicality counting copies (cosine >= 1 - 1e-3) as neighbours, as before session 17
    "copies_in": ("auto", OLD_AUTO | {"typiclust.SAME_VECTOR": 2.0}),
    # al_committee.py: bootstrap probes as auto's inner score
    "qbc_mean": (
        "auto",
        OLD_AUTO | {"INNER": "committee_clusters", "al_committee.SCORE": "mean_margin"},
    ),
    "qbc_kl": ("auto", OLD_AUTO | {"INNER": "committee_clusters", "al_committee.SCORE": "kl"}),
    "qbc_mxkl": (
        "auto",
        OLD_AUTO | {"INNER": "committee_clusters", "al_committee.SCORE": "margin_x_kl"},
    ),
    "margin_clusters": ("margin_clusters", {}),
    # al_herding.py (research): uncertainty herding summed over the whole pool
    "uherd": ("auto", HERD),
    "uherd_bw05": ("auto", HERD | {"al_herding.BANDWIDTH": 0.5}),
    "uherd_bw2": ("auto", HERD | {"al_herding.BANDWIDTH": 2.0}),
    "uherd_nocov": ("auto", HERD | NO_SHARE),
    "uherd_nocov_pre10": ("auto", HERD | NO_SHARE | {"al_herding.PREFILTER": 10}),
    "uherd_miss20": ("auto", HERD | {"COVERAGE_SHARE": 0}),
    "herd_flat": ("auto", HERD | {"al_herding.WEIGHT": "flat"}),
    "uherd_sq": ("auto", HERD | {"al_herding.WEIGHT": "margin2"}),
    "uherd_sq_nocov": ("auto", HERD | NO_SHARE | {"al_herding.WEIGHT": "margin2"}),
    # the shipped herding (labeldesk/ml/strategies/herding.py) with other constants
    "herd_pre30": ("auto", {"herding.PREFILTER": 30}),
    "herd_pre100": ("auto", {"herding.PREFILTER": 100}),
    "herd_nb5": ("auto", {"herding.NEIGHBOUR": 5}),
    "herd_nb20": ("auto", {"herding.NEIGHBOUR": 20}),
    # TypiClust's outlier bar fixed at 5 images, as before session 26
    "fixed5": ("auto", {"typiclust.min_cluster_size": lambda points, clusters: 5}),
    # session 38 (al_small.py and auto's constants): what ranks while labels are few
    "sw3": ("auto", {"SWITCH_LABELS_PER_CLASS": 3.0}),
    "sw4": ("auto", {"SWITCH_LABELS_PER_CLASS": 4.0}),
    "sw6": ("auto", {"SWITCH_LABELS_PER_CLASS": 6.0}),
    "bal1": ("auto", {"uncertainty.RARE_FRACTION_OF_MEDIAN": 1.0}),
    "hcov20": ("auto", {"COVERAGE_SHARE": 0.2}),
    "lp5": ("auto_small", {"al_small.RANK": "lp"}),
    "lp10": ("auto_small", {"al_small.RANK": "lp", "al_small.MIX": 1.0}),
    "knn5": ("auto_small", {"al_small.RANK": "knn"}),
    "pc1": ("auto_small", {"al_small.RANK": "probe_c", "al_small.C_SMALL": 1.0}),
    "pc001": ("auto_small", {"al_small.RANK": "probe_c", "al_small.C_SMALL": 0.01}),
    "ub05": ("auto_small", {"al_small.RANK": "beta", "al_small.BETA": 0.5}),
    "ub025": ("auto_small", {"al_small.RANK": "beta", "al_small.BETA": 0.25}),
    # session 42: TypiClust on a seeded sample of the pool (typiclust.sample_rows), as a
    # large project's cold start clusters 20,000 rows: 1,000 rows are 40 a cluster at
    # the first batch's 25 clusters, as 20,000 are at the most clusters (500); 500 rows 20
    "typ_s1000": ("auto", {"typiclust.MAX_POINTS": 1000, "typiclust.MAX_LABELED": 500}),
    "typ_s500": ("auto", {"typiclust.MAX_POINTS": 500, "typiclust.MAX_LABELED": 250}),
    "typonly_s1000": (
        "typiclust",
        {"typiclust.MAX_POINTS": 1000, "typiclust.MAX_LABELED": 500},
    ),
}


def constants_module(name: str) -> Any:
    """The module whose constant a variant sets: a research module here, or a strategy
    module (``auto`` when none is named)."""
    if name in RESEARCH_MODULES:
        return importlib.import_module(name)
    return importlib.import_module(f"labeldesk.ml.strategies.{name or 'auto'}")


@contextlib.contextmanager
def variant_set(variant: str) -> Iterator[tuple[str, float | None, float]]:
    """(strategy, the context's rare-class share or None, its kNN mix) of ``variant``,
    with its module constants set meanwhile (the defaults put back after)."""
    strategy, consts = VARIANTS[variant]
    rare_share = consts.get("ctx.rare_share")
    knnmix = float(consts.get("ctx.knnmix", 0.0))
    consts = {k: v for k, v in consts.items() if not k.startswith("ctx.")}
    where = {k: (constants_module(k.rpartition(".")[0]), k.rpartition(".")[2]) for k in consts}
    defaults = {k: getattr(m, name) for k, (m, name) in where.items()}
    for k, v in consts.items():
        setattr(where[k][0], where[k][1], v)
    try:
        yield strategy, None if rare_share is None else float(rare_share), knnmix
    finally:
        for k, v in defaults.items():
            setattr(where[k][0], where[k][1], v)
