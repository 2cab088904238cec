"""The default strategy's cold start and coverage term on synthetic data (no model)."""

from __future__ import annotations

import numpy as np
import pytest

from labeldesk.ml.active import fit_probe, make_context, query
from labeldesk.ml.strategies import auto

from .test_active import blobs, context, unit


def regions(sizes: list[int], spreads: list[float], dim: int = 16, seed: int = 0):
    """Unit vectors around well-separated centres, each region with its own spread."""
    rng = np.random.default_rng(seed)
    centres = unit(rng.normal(size=(len(sizes), dim)))
    ids = np.repeat(np.arange(len(sizes)), sizes)
    noise = np.concatenate(
        [s * rng.normal(size=(n, dim)) for n, s in zip(sizes, spreads, strict=True)]
    )
    return unit(centres[ids] + noise), ids


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cold_start_covers_every_region_before_repeating_one(seed: int) -> None:
    """Six tight regions at 10:1 imbalance, zero labels: the first six picks take one from
    each (random would take about five from the three big ones; k-means++ with too few
    seed trials merged a small region into a big one on 2 of these 3 seeds). The next
    batch goes to the big regions' parts that no label covers, not back to a small one."""
    x, ids, _ = blobs([300, 300, 300, 30, 30, 30], spread=0.05, seed=seed)
    labels = np.full(len(x), -1)
    first = query(make_context(x, labels, 6, seed=seed), 6, "auto")
    assert sorted(ids[first.indices]) == [0, 1, 2, 3, 4, 5]
    labels[first.indices] = ids[first.indices]
    second = query(make_context(x, labels, 6, seed=seed, fit=False), 6, "auto")
    assert second.strategy == "typiclust"
    assert sorted(set(ids[second.indices])) == [0, 1, 2]
    assert not set(second.indices.tolist()) & set(first.indices.tolist())


def class_without_a_label() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Classes 0-2 are broad regions with labels; class 3 is a tight region with none.
    The probe (handmade, as a real one would be) is sure that class 3's images are class
    0, and unsure only along a 0/1 border: (x, ids, labels, probs)."""
    x, ids = regions([200, 200, 200, 60], [0.5, 0.5, 0.5, 0.05], seed=4)
    labels = np.full(len(x), -1)
    for c in range(3):
        labels[np.flatnonzero(ids == c)[:5]] = c
    probs = np.tile([0.9, 0.05, 0.05, 0.0], (len(x), 1))
    probs[ids == 1] = [0.05, 0.9, 0.05, 0.0]
    probs[ids == 2] = [0.05, 0.05, 0.9, 0.0]
    border = np.flatnonzero(ids == 0)[100:160]
    probs[border] = [0.5, 0.48, 0.02, 0.0]
    return x, ids, labels, probs


def test_coverage_reaches_a_class_that_uncertainty_cannot_see() -> None:
    x, ids, labels, probs = class_without_a_label()
    ctx = context(x, labels, 4, probs)
    assert not (ids[query(ctx, 10, "margin").indices] == 3).any()
    assert not (ids[query(ctx, 10, "margin_clusters").indices] == 3).any()
    for strategy in ("coverage_margin", "auto"):
        result = auto.coverage_margin(ctx, 10) if strategy != "auto" else query(ctx, 10, "auto")
        assert result.strategy == "coverage_margin"
        found = int((ids[result.indices] == 3).sum())
        assert 1 <= found <= round(auto.COVERAGE_SHARE_MISSING * 10), strategy
        assert (ids[result.indices] != 3).sum() >= 10 - round(auto.COVERAGE_SHARE_MISSING * 10)


def test_coverage_on_a_sample_of_a_large_collection_still_finds_the_class(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Above COVERAGE_MAX_POINTS the coverage part clusters the labeled images and a sample
    of the rest: it still proposes only candidates, repeatably, and reaches class 3."""
    monkeypatch.setattr(auto, "COVERAGE_MAX_POINTS", 300)
    x, ids, labels, probs = class_without_a_label()
    excluded = np.zeros(len(x), bool)
    excluded[np.flatnonzero(ids == 0)[::3]] = True  # a third of class 0 may not be proposed
    ctx = context(x, labels, 4, probs, candidate_mask=~excluded)
    cover = auto.coverage_picks(ctx, 4)
    assert len(cover) == 4 == len(set(cover.tolist()))
    assert ctx.candidate_mask[cover].all() and not ctx.labeled_mask[cover].any()
    assert (ids[cover] == 3).any()
    assert cover.tolist() == auto.coverage_picks(ctx, 4).tolist()


def test_coverage_share_shrinks_once_every_class_has_a_label() -> None:
    x, ids, labels, probs = class_without_a_label()
    labels[np.flatnonzero(ids == 3)[:2]] = 3
    probs[ids == 3] = [0.05, 0.0, 0.0, 0.95]
    ctx = context(x, labels, 4, probs)
    border = set(np.flatnonzero(probs[:, 0] == 0.5).tolist())
    result = auto.coverage_margin(ctx, 20)
    on_border = len(border & set(result.indices.tolist()))
    # the rare-class share (class 3 has 2 labels, half the median is 2.5) takes one pick,
    # the coverage share its (smaller) part, and the inner step the rest: herding spends
    # most of it on the 0/1 border, the only uncertain images (once the border is well
    # covered, a pick elsewhere may cover more)
    assert auto.COVERAGE_SHARE < auto.COVERAGE_SHARE_MISSING
    assert on_border >= 0.8 * (20 - round(auto.COVERAGE_SHARE * 20) - 1)
    assert (ids[result.indices] == 3).sum() <= 1 + round(auto.COVERAGE_SHARE * 20)


def test_coverage_margin_scores_are_margin_uncertainty() -> None:
    x, _, labels, probs = class_without_a_label()
    result = auto.coverage_margin(context(x, labels, 4, probs), 10)
    top2 = np.sort(probs[result.indices], axis=1)[:, -2:]
    np.testing.assert_allclose(result.scores, 1.0 - (top2[:, 1] - top2[:, 0]))


def test_default_finds_a_rare_class_with_a_real_probe() -> None:
    """Four common classes and one at 2 %, all overlapping a little; from zero labels, in
    batches of 20 to 100, the default asks for the rare class more often than its share of
    the pool would give (2 of 100) on every seed."""
    x, ids, _ = blobs([490, 490, 490, 490, 40], dim=24, spread=0.35, seed=12)
    for seed in range(3):
        labels = np.full(len(x), -1)
        for _ in range(5):
            probs = fit_probe(x, labels, n_classes=5)
            ctx = make_context(x, labels, 5, seed=seed, pred_probs=probs, fit=False)
            picks = query(ctx, 20, "auto").indices
            assert not (labels[picks] >= 0).any()
            labels[picks] = ids[picks]
        assert (labels == 4).sum() >= 4, seed


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cold_start_on_a_tiny_pool_covers_every_region(seed: int) -> None:
    """14 regions of 10 images, 25 picks: k-means into 25 clusters splits regions into
    clusters of 3-6. With a fixed bar of 5 the small ones counted as outliers and waited
    until every bigger cluster had two picks, so whole regions went without one."""
    x, ids, _ = blobs([10] * 14, spread=0.08, seed=seed)
    picks = query(make_context(x, np.full(len(x), -1), 14, seed=seed), 25, "auto")
    assert len(set(ids[picks.indices].tolist())) == 14


def test_the_outlier_bar_scales_down_only_for_small_pools() -> None:
    from labeldesk.ml.strategies.typiclust import MIN_CLUSTER_SIZE, min_cluster_size

    assert min_cluster_size(100_000, 25) == MIN_CLUSTER_SIZE == 5
    assert min_cluster_size(500, 50) == 5
    assert min_cluster_size(140, 25) == 2
    assert min_cluster_size(140, 50) == 1
    assert min_cluster_size(3, 10) == 1
