"""The verdict of a drift report from two sets of vectors: five tests at a fifth of the
significance level each (Bonferroni, so the verdict's false-alarm rate stays at
``alpha``): the classifier two-sample test and MMD, which see a shift of the whole folder,
the outlier share, which sees a part of it (a fifth of the images from a new camera), and
the same two tests on each image's residual against its labeled look-alikes, which see a
change of the images themselves that is small against the classes' spread (darker, paler:
:func:`~.drift_tests.local_residuals`); the power check, the combined novelty score, and
the words for people.

Arrays only (no project): :mod:`labeldesk.ml.drift` feeds it the project's vectors, and
:func:`compare_vectors` takes any two arrays (notebooks, benchmarks/bench_drift.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import drift_tests as tests

ALPHA = 0.05  # family-wise: each of the TESTS tests runs at ALPHA / TESTS
TESTS = 5
MIN_IMAGES = 10  # fewer new (or reference) images: the tests are not run
ENOUGH_POWER_AUC = 0.7  # a folder that cannot reveal AUC 0.7 has too little power
MAX_REFERENCE = 10_000  # reference rows the two-sample tests use (a random subset)
MAX_REFERENCE_KNN = 2_000  # reference rows whose own neighbour distances are measured
KNN_K = 5
MAP_POINTS = 2_000


def effect_words(auc: float | None) -> str:
    """How big a difference an AUC means, in words."""
    if auc is None:
        return "unknown"
    for limit, words in ((0.55, "negligible"), (0.65, "small"), (0.75, "moderate"), (0.9, "large")):
        if auc < limit:
            return words
    return "very large"


@dataclass
class ShiftTests:
    """What the arrays-only part of the report found (no project involved)."""

    shift: bool | None  # None with "no power": too few images to say either way
    verdict: str
    auc: float | None
    auc_ci: tuple[float, float] | None
    p_value: float | None
    mmd_p_value: float | None
    power: dict[str, Any]
    new_novelty: np.ndarray  # combined score per new row, in [0, 1]
    reference_novelty: np.ndarray
    map_reference: np.ndarray
    map_new: np.ndarray
    outlier_share: float = 0.0  # new images beyond the reference's 95th percentile
    outlier_p_value: float | None = None
    residual_p_value: float | None = None  # the classifier test on look-alike residuals
    residual_mmd_p_value: float | None = None  # MMD on them


def shift_tests(
    reference: np.ndarray,
    new: np.ndarray,
    *,
    knn_new: np.ndarray,
    knn_reference: np.ndarray,
    alpha: float = ALPHA,
    permutations: int = tests.PERMUTATIONS,
    seed: int = 0,
) -> ShiftTests:
    """The two-sample tests, the power check and the combined novelty, on vectors.

    ``knn_new``: each new row's mean distance to its nearest reference rows;
    ``knn_reference``: the same for the first ``len(knn_reference)`` rows of
    ``reference`` (to other reference rows)."""
    rng = np.random.default_rng(seed)
    n_new = len(new)
    used = np.arange(len(reference))
    if len(used) > MAX_REFERENCE:  # keep the rows with known kNN distances first
        rest = rng.choice(
            np.arange(len(knn_reference), len(reference)),
            MAX_REFERENCE - len(knn_reference),
            replace=False,
        )
        used = np.r_[np.arange(len(knn_reference)), np.sort(rest)]
    n_ref = len(used)
    mda = tests.min_detectable_auc(n_ref, n_new, alpha / TESTS)
    power = {
        "enough": bool(n_new >= MIN_IMAGES and mda <= ENOUGH_POWER_AUC),
        "min_detectable_auc": round(mda, 4),
        "new_images": n_new,
        "reference_images": n_ref,
        "min_images": MIN_IMAGES,
    }
    knn_new_pct, knn_ref_pct = tests.knn_percentiles(knn_new, knn_reference)
    if n_new < MIN_IMAGES or n_ref < MIN_IMAGES:
        return ShiftTests(
            None, "no power", None, None, None, None, power, knn_new_pct, knn_ref_pct,
            np.zeros((0, 2)), np.zeros((0, 2)),
        )  # fmt: skip
    # Big sets: fewer relabelings (at least 200: p-values down to 0.005, half the 0.01
    # each test needs), so the work stays near 5M scores.
    permutations = min(permutations, max(200, 5_000_000 // (n_ref + n_new)))
    ref_x, new_x = tests.reduce_pair(reference[used], new, seed=seed)
    c2 = tests.c2st(ref_x, new_x, permutations=permutations, seed=seed)
    mmd = tests.mmd_test(ref_x, new_x, permutations=permutations, seed=seed)
    ref_r, new_r = tests.reduce_pair(*tests.local_residuals(reference[used], new), seed=seed)
    residual = tests.c2st(ref_r, new_r, permutations=permutations, seed=seed)
    residual_mmd = tests.mmd_test(ref_r, new_r, permutations=permutations, seed=seed)
    k = len(knn_reference)
    new_novelty = (c2.new_scores + knn_new_pct) / 2
    reference_novelty = (c2.ref_scores[:k] + knn_ref_pct) / 2
    # both halves are out of sample for every row (out-of-fold scores, leave-one-out
    # distances), so under no shift new and reference novelty are exchangeable
    outliers, outlier_p = tests.outlier_share_test(new_novelty, reference_novelty)
    p_values = (c2.p_value, mmd.p_value, outlier_p, residual.p_value, residual_mmd.p_value)
    found = min(p_values) < alpha / TESTS
    verdict = "shift" if found else ("no detectable shift" if power["enough"] else "no power")
    # "no power" is never "no shift": JSON readers get null, not false
    shift = None if verdict == "no power" else found
    return ShiftTests(
        shift=shift,
        verdict=verdict,
        auc=c2.auc,
        auc_ci=c2.auc_ci,
        p_value=c2.p_value,
        mmd_p_value=mmd.p_value,
        power=power,
        new_novelty=new_novelty,
        reference_novelty=reference_novelty,
        map_reference=ref_x[: min(MAP_POINTS, n_ref), :2],
        map_new=new_x[:, :2],
        outlier_share=outliers,
        outlier_p_value=outlier_p,
        residual_p_value=residual.p_value,
        residual_mmd_p_value=residual_mmd.p_value,
    )


def compare_vectors(
    reference: np.ndarray,
    new: np.ndarray,
    *,
    alpha: float = ALPHA,
    permutations: int = tests.PERMUTATIONS,
    seed: int = 0,
) -> ShiftTests:
    """:func:`shift_tests` on two arrays of L2-normalised vectors, kNN distances included
    (for notebooks and benchmarks; the project's report uses faiss for those)."""
    rng = np.random.default_rng(seed)
    reference = np.asarray(reference)[rng.permutation(len(reference))]
    queries = np.arange(min(MAX_REFERENCE_KNN, len(reference)))
    return shift_tests(
        reference,
        new,
        knn_new=tests.knn_distances(reference, new, KNN_K),
        knn_reference=tests.knn_distances(reference, reference[queries], KNN_K, own_rows=queries),
        alpha=alpha,
        permutations=permutations,
        seed=seed,
    )


def _p(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3g}"


def summary_text(found: ShiftTests, novel_share: float, alpha: float) -> str:
    """The verdict with its effect size, for people."""
    power = found.power
    if found.auc is None:
        return (
            f"Too few images to tell: {power['new_images']} new images against "
            f"{power['reference_images']} labeled ones; the tests need at least "
            f"{MIN_IMAGES} of each. This is not a 'no shift' verdict."
        )
    lo, hi = found.auc_ci or (found.auc, found.auc)
    tail = (
        f"classifier AUC {found.auc:.2f} (95% CI {lo:.2f}-{hi:.2f}, p = {found.p_value:.3g}); "
        f"MMD p = {found.mmd_p_value:.3g}; {found.outlier_share:.0%} of the new images are "
        "more unusual than 95% of the labeled ones (5% expected, p = "
        f"{found.outlier_p_value:.3g}); against their look-alikes among the labeled images: "
        f"classifier p = {_p(found.residual_p_value)}, MMD p = {_p(found.residual_mmd_p_value)}"
    )
    if found.shift:
        level = alpha / TESTS
        whole = min(found.p_value or 1.0, found.mmd_p_value or 1.0) < level
        part = (found.outlier_p_value if found.outlier_p_value is not None else 1.0) < level
        if not whole and not part:
            return (
                "Shift in the images themselves: the new images differ from the labeled "
                "images most like them (as lighter, darker or blurrier images would), though "
                f"too little for the folder as a whole to look different: {tail}."
            )
        if not whole:
            return (
                f"Shift in part of the folder: {found.outlier_share:.0%} of the new images are "
                f"unlike the labeled ones (5% expected), while the folder as a whole is close: "
                f"{tail}."
            )
        return f"Shift ({effect_words(found.auc)} difference): {tail}."
    if found.verdict == "no power":
        return (
            f"No shift found, but {power['new_images']} images are too few to rule one out: "
            f"only a shift a classifier spots with AUC >= {power['min_detectable_auc']:.2f} would "
            f"show. {tail[0].upper()}{tail[1:]}."
        )
    return (
        f"No detectable shift at the {alpha:.0%} level: {tail}. This folder would reveal a "
        f"shift of AUC {power['min_detectable_auc']:.2f} or more."
    )
