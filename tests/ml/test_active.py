"""Active-learning query strategies on small synthetic data (no network, no model)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from labeldesk.core.registry import Registry
from labeldesk.ml.active import (
    QueryContext,
    QueryResult,
    UnknownStrategyError,
    fit_probe,
    make_context,
    query,
    register_strategy,
)
from labeldesk.ml.strategies import STRATEGIES, auto
from labeldesk.ml.strategies.uncertainty import rare_class_picks

REQUIRED = {
    "random",
    "least_confidence",
    "margin",
    "entropy",
    "margin_clusters",
    "uncertainty_herding",
    "typiclust",
}


def unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def blobs(
    sizes: list[int], dim: int = 16, spread: float = 0.05, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit vectors around random well-separated centres: (x, blob id, centres)."""
    rng = np.random.default_rng(seed)
    centres = unit(rng.normal(size=(len(sizes), dim)))
    ids = np.repeat(np.arange(len(sizes)), sizes)
    x = unit(centres[ids] + spread * rng.normal(size=(len(ids), dim)))
    return x, ids, centres


def context(
    x: np.ndarray,
    labels: np.ndarray,
    n_classes: int,
    probs: np.ndarray | None = None,
    candidate_mask: np.ndarray | None = None,
    seed: int = 0,
    **kw: float,
) -> QueryContext:
    labels = np.asarray(labels)
    labeled = labels >= 0
    cand = ~labeled if candidate_mask is None else candidate_mask & ~labeled
    return QueryContext(
        embeddings=unit(x),
        labeled_mask=labeled,
        candidate_mask=cand,
        labels=labels,
        n_classes=n_classes,
        pred_probs=probs,
        seed=seed,
        **kw,
    )


def random_world(n: int = 300, n_classes: int = 4, seed: int = 0) -> QueryContext:
    """Clustered points with some labels, some exclusions and a fitted probe."""
    rng = np.random.default_rng(seed)
    x, ids, _ = blobs([n // n_classes] * n_classes, spread=0.6, seed=seed)
    labels = np.where(rng.random(len(x)) < 0.2, ids, -1)
    excluded = rng.random(len(x)) < 0.1
    probs = fit_probe(x, labels, n_classes=n_classes)
    return context(x, labels, n_classes, probs, candidate_mask=~excluded, seed=seed)


# --- the registry -------------------------------------------------------------------


def test_required_strategies_are_registered() -> None:
    assert {*REQUIRED, "auto"} <= set(STRATEGIES.names())


def test_a_new_strategy_is_one_decorated_function() -> None:
    @register_strategy("_test_last")
    def last(ctx: QueryContext, n: int) -> QueryResult:
        picks = ctx.candidates[::-1][:n]
        return QueryResult(picks, np.ones(len(picks)), "_test_last")

    try:
        ctx = random_world()
        assert list(query(ctx, 3, "_test_last").indices) == list(ctx.candidates[::-1][:3])
    finally:
        del STRATEGIES["_test_last"]


def test_unknown_strategy_names_the_known_ones() -> None:
    with pytest.raises(UnknownStrategyError, match=r"unknown query strategy 'nope'.*margin"):
        query(random_world(), 5, "nope")
    with pytest.raises(UnknownStrategyError):
        STRATEGIES["nope"]


def test_strategies_share_the_registry_of_backbones_and_exporters() -> None:
    assert isinstance(STRATEGIES, Registry)
    assert STRATEGIES["margin"] is STRATEGIES.get("margin")


def test_query_drops_what_a_buggy_strategy_proposes_outside_the_candidates() -> None:
    ctx = random_world()
    labeled = int(np.flatnonzero(ctx.labeled_mask)[0])
    cand = ctx.candidates

    @register_strategy("_test_bad")
    def bad(ctx: QueryContext, n: int) -> QueryResult:
        picks = np.array([labeled, cand[0], cand[0], -1, cand[1]])
        return QueryResult(picks, np.zeros(5), "_test_bad")

    try:
        assert list(query(ctx, 5, "_test_bad").indices) == [cand[0], cand[1]]
    finally:
        del STRATEGIES["_test_bad"]


# --- uncertainty: each measure picks what it should ---------------------------------

# X is least confident (lowest top probability), Y has the smallest margin, Z the highest
# entropy; the rest are confident.
X = [0.40, 0.30, 0.30, 0.00]
Y = [0.49, 0.49, 0.02, 0.00]
Z = [0.45, 0.55 / 3, 0.55 / 3, 0.55 / 3]
SURE = [0.97, 0.01, 0.01, 0.01]


def measured_world() -> tuple[QueryContext, dict[str, int]]:
    """Rows 0..7 labeled two per class (balanced, so no rare-class share), then X, Y, Z
    among confident rows."""
    n_lab, n = 8, 40
    rng = np.random.default_rng(1)
    probs = np.tile(SURE, (n, 1))
    where = {"X": 20, "Y": 27, "Z": 33}
    for name, row in where.items():
        probs[row] = {"X": X, "Y": Y, "Z": Z}[name]
    labels = np.full(n, -1)
    labels[:n_lab] = np.repeat(np.arange(4), 2)
    return context(rng.normal(size=(n, 8)), labels, 4, probs), where


@pytest.mark.parametrize(
    ("strategy", "expected"), [("least_confidence", "X"), ("margin", "Y"), ("entropy", "Z")]
)
def test_uncertainty_measures_pick_their_item_first(strategy: str, expected: str) -> None:
    ctx, where = measured_world()
    result = query(ctx, 3, strategy)
    assert result.indices[0] == where[expected]
    assert set(result.indices) == set(where.values())  # the three unsure rows beat SURE
    assert result.strategy == strategy
    assert np.all(np.diff(result.scores) <= 0)


# --- diversity ----------------------------------------------------------------------


def test_margin_clusters_spreads_a_batch_over_distinct_confusions() -> None:
    """15 near-duplicates are the most uncertain; 4 other groups are almost as uncertain.
    Plain margin spends the batch on the duplicates; margin_clusters takes one of each.
    (It clusters the 10·n most uncertain, so all groups fit in its pool here.)"""
    x, ids, _ = blobs([15, 8, 8, 8, 8, 200], spread=0.01, seed=3)
    probs = np.tile([0.98, 0.01, 0.01], (len(x), 1))
    probs[ids == 0] = [0.50, 0.49, 0.01]
    for g in (1, 2, 3, 4):
        probs[ids == g] = [0.55, 0.44, 0.01]
    labels = np.full(len(x), -1)
    labels[np.flatnonzero(ids == 5)[:6]] = [0, 0, 1, 1, 2, 2]
    ctx = context(x, labels, 3, probs)
    plain = query(ctx, 5, "margin")
    diverse = query(ctx, 5, "margin_clusters")
    assert set(ids[plain.indices]) == {0}
    assert sorted(ids[diverse.indices]) == [0, 1, 2, 3, 4]
    assert ids[diverse.indices[0]] == 0  # still most uncertain first


# --- typiclust ----------------------------------------------------------------------


def dense_clusters_with_outliers() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x, ids, centres = blobs([120, 90, 60], dim=16, spread=0.15, seed=7)
    rng = np.random.default_rng(8)
    outliers = unit(rng.normal(size=(25, 16)))
    return np.vstack([x, outliers]), np.concatenate([ids, np.full(25, -1)]), centres


def test_typiclust_cold_start_takes_one_central_point_per_dense_cluster() -> None:
    x, ids, centres = dense_clusters_with_outliers()
    ctx = context(x, np.full(len(x), -1), n_classes=3)
    result = query(ctx, 3, "typiclust")
    assert sorted(ids[result.indices]) == [0, 1, 2]  # one per cluster, no outlier
    assert ids[result.indices[0]] == 0  # the largest cluster first
    for i in result.indices:  # typical: closer to its centre than 80% of its cluster
        members = x[ids == ids[i]]
        to_centre = np.linalg.norm(members - centres[ids[i]], axis=1)
        assert np.linalg.norm(x[i] - centres[ids[i]]) <= np.quantile(to_centre, 0.2)


def test_typiclust_prefers_clusters_without_labels() -> None:
    x, ids, _ = dense_clusters_with_outliers()
    labels = np.full(len(x), -1)
    labels[np.flatnonzero(ids == 0)[:3]] = 0  # the largest cluster is covered
    result = query(context(x, labels, n_classes=3), 2, "typiclust")
    assert sorted(ids[result.indices]) == [1, 2]


# --- safety, cold start, edge cases -------------------------------------------------


@pytest.mark.parametrize("strategy", sorted({*REQUIRED, "auto"}))
def test_strategies_propose_only_candidates_each_once(strategy: str) -> None:
    ctx = random_world()
    for n in (1, 7, 40):
        direct = STRATEGIES[strategy](ctx, n)  # without query()'s guard
        idx = direct.indices
        assert len(idx) == n == len(set(idx.tolist())) == len(direct.scores)
        assert ctx.candidate_mask[idx].all() and not ctx.labeled_mask[idx].any()


@pytest.mark.parametrize("strategy", sorted({*REQUIRED, "auto"}))
def test_zero_labels_cold_start(strategy: str) -> None:
    x, _, _ = blobs([50, 50, 50], seed=2)
    ctx = make_context(x, np.full(len(x), -1), n_classes=10)
    assert ctx.pred_probs is None
    result = query(ctx, 10, strategy)
    assert len(result.indices) == 10 == len(set(result.indices.tolist()))
    if strategy != "random":  # nothing to be uncertain about yet: typicality instead
        assert result.strategy == "typiclust"


@pytest.mark.parametrize("strategy", sorted({*REQUIRED, "auto"}))
def test_n_beyond_the_candidates_returns_each_candidate_once(strategy: str) -> None:
    ctx = random_world(n=80)
    result = query(ctx, 1000, strategy)
    assert sorted(result.indices.tolist()) == ctx.candidates.tolist()
    assert len(query(ctx, 0, strategy).indices) == 0


@pytest.mark.parametrize("strategy", sorted({*REQUIRED, "auto"}))
def test_same_seed_same_queue(strategy: str) -> None:
    a = query(random_world(seed=4), 12, strategy)
    b = query(random_world(seed=4), 12, strategy)
    assert a.indices.tolist() == b.indices.tolist()
    np.testing.assert_allclose(a.scores, b.scores)


def test_random_depends_on_the_seed() -> None:
    ctx = random_world()
    other = replace(ctx, seed=ctx.seed + 1)
    assert query(ctx, 10, "random").indices.tolist() != query(other, 10, "random").indices.tolist()


def test_context_rejects_mismatched_shapes() -> None:
    with pytest.raises(ValueError, match="labels"):
        QueryContext(
            np.zeros((3, 2), np.float32), np.zeros(3, bool), np.ones(3, bool), np.zeros(2), 2
        )
    with pytest.raises(ValueError, match="pred_probs"):
        QueryContext(
            np.zeros((3, 2), np.float32),
            np.zeros(3, bool),
            np.ones(3, bool),
            -np.ones(3, int),
            2,
            pred_probs=np.zeros((3, 3)),
        )


# --- auto ---------------------------------------------------------------------------


def test_auto_switches_from_typicality_to_uncertainty() -> None:
    x, ids, _ = blobs([100] * 4, spread=0.5, seed=5)
    switch = int(np.ceil(auto.SWITCH_LABELS_PER_CLASS))
    labels = np.full(len(x), -1)
    assert query(make_context(x, labels, 4), 8, "auto").strategy == "typiclust"
    for c in range(4):  # just below the switch: still typiclust
        labels[np.flatnonzero(ids == c)[: switch - 1]] = c
    assert query(make_context(x, labels, 4), 8, "auto").strategy == "typiclust"
    for c in range(4):
        labels[np.flatnonzero(ids == c)[:switch]] = c
    assert query(make_context(x, labels, 4), 8, "auto").strategy == "coverage_margin"


# --- class balance ------------------------------------------------------------------


def test_rare_class_gets_a_share_of_an_uncertainty_batch() -> None:
    """Class 3 has one label. Its likely members look confident (low uncertainty), so pure
    margin never asks for them; with the rare share, the batch includes some."""
    n = 200
    rng = np.random.default_rng(0)
    probs = np.tile([0.9, 0.05, 0.04, 0.01], (n, 1))
    probs[40:80] = [0.5, 0.45, 0.04, 0.01]  # confusions between common classes
    probs[150:160] = [0.1, 0.05, 0.05, 0.8]  # probably rare class 3
    labels = np.full(n, -1)
    labels[:30] = np.repeat([0, 1, 2], 10)
    labels[199] = 3
    x = rng.normal(size=(n, 8))
    ctx = context(x, labels, 4, probs)
    rare_rows = set(range(150, 160))
    for strategy in ("margin", "entropy", "least_confidence", "margin_clusters", "auto"):
        picks = set(query(ctx, 20, strategy).indices.tolist())
        assert len(picks & rare_rows) >= 4, strategy  # ceil(0.25 * 20) = 5 slots, capped
    off = replace(ctx, rare_share=0.0)
    assert not set(query(off, 20, "margin").indices.tolist()) & rare_rows


def test_balanced_labels_spend_nothing_on_rare_classes() -> None:
    ctx, _ = measured_world()
    assert len(rare_class_picks(ctx, 10)) == 0


def test_rare_class_is_found_early_from_zero_labels() -> None:
    """5 overlapping classes, one of them 2% of the pool: over the first 160 labels, asked
    20 at a time from zero, ``auto`` finds it far more often than random (3.2 expected)."""
    x, ids, _ = blobs([490, 490, 490, 490, 40], dim=24, spread=0.35, seed=11)
    found: dict[str, list[int]] = {"auto": [], "random": []}
    for strategy, runs in found.items():
        for seed in range(3):
            labels = np.full(len(x), -1)
            for _ in range(8):
                picks = query(make_context(x, labels, 5, seed=seed), 20, strategy).indices
                labels[picks] = ids[picks]
            runs.append(int((labels == 4).sum()))
    assert np.mean(found["auto"]) >= 2 * 0.02 * 160, found
    assert np.mean(found["auto"]) > 2 * np.mean(found["random"]), found


# --- the probe ----------------------------------------------------------------------


def test_fit_probe_needs_two_labeled_classes() -> None:
    x, _, _ = blobs([20, 20])
    labels = np.full(40, -1)
    assert fit_probe(x, labels) is None
    labels[:5] = 0
    assert fit_probe(x, labels, n_classes=3) is None


def test_fit_probe_gives_every_class_a_column() -> None:
    x, ids, _ = blobs([50, 50, 50], spread=0.3)
    labels = np.full(len(x), -1)
    labels[[0, 1, 50, 51]] = ids[[0, 1, 50, 51]]  # class 2 has no label
    probs = fit_probe(x, labels, n_classes=4)
    assert probs is not None and probs.shape == (150, 4)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    assert np.all(probs[:, 2:] == 0)
    assert (probs[:100].argmax(1) == ids[:100]).mean() > 0.8


def test_importing_active_stays_light() -> None:
    code = (
        "import sys, labeldesk.ml.active\n"
        "heavy = {'torch', 'faiss', 'sklearn', 'PySide6'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
