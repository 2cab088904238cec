"""Label quality: confident learning by hand, score properties, input checks, published bars."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from labeldesk.core.errors import LabelDeskError
from labeldesk.ml.confident import (
    NoiseEstimate,
    ambiguity_calibrated_count,
    calibrate_joint,
    check_inputs,
    cl_filter,
    class_thresholds,
    confident_labels,
    estimate_noise_unchecked,
    round_preserving_row_totals,
)
from labeldesk.ml.quality import denoise
from labeldesk.quality import (
    SCORE_METHODS,
    InvalidLabelInputs,
    estimate_noise,
    estimate_num_label_issues,
    find_label_issues,
    label_quality_scores,
    suggested_labels,
)

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks" / "label-errors"

# Hand case: image 2 is labelled 0 but looks like 1 (and reaches the thresholds of 1 and 2).
# t = [(.9+.7+.05)/3, (.8+.7+.3)/3, (.4+.2)/2] = [.55, .6, .3]
LABELS = np.array([0, 0, 0, 1, 1, 1, 2, 2])
PROBS = np.array(
    [
        [0.90, 0.05, 0.05],
        [0.70, 0.20, 0.10],
        [0.05, 0.60, 0.35],  # confident for 1 and 2: counted once, as 1
        [0.10, 0.80, 0.10],
        [0.20, 0.70, 0.10],
        [0.50, 0.30, 0.20],  # no class reaches its threshold
        [0.20, 0.40, 0.40],  # label 2 ties with class 1: not against the label
        [0.30, 0.50, 0.20],  # no class reaches its threshold
    ]
)


def test_thresholds_are_mean_self_confidence_per_class() -> None:
    labels = np.array([0, 0, 1, 1])
    probs = np.array([[0.9, 0.1], [0.7, 0.3], [0.2, 0.8], [0.4, 0.6]])
    np.testing.assert_allclose(class_thresholds(labels, probs), [0.8, 0.7])
    np.testing.assert_allclose(class_thresholds(LABELS, PROBS), [0.55, 0.6, 0.3])


def test_class_nobody_labelled_is_never_confident() -> None:
    thresholds = class_thresholds(np.array([0, 0]), np.array([[0.6, 0.4, 0.0], [0.1, 0.0, 0.9]]))
    assert thresholds[1] == thresholds[2] == np.inf
    assert confident_labels(np.array([[0.1, 0.0, 0.9]]), thresholds).tolist() == [-1]


def test_confident_labels_and_joint_count_each_image_once() -> None:
    estimate = estimate_noise(LABELS, PROBS)
    assert estimate.confident_labels.tolist() == [0, 0, 1, 1, 1, -1, 2, -1]
    np.testing.assert_array_equal(estimate.confident_joint, [[2, 1, 0], [0, 2, 0], [0, 0, 1]])


def test_calibration_scales_rows_to_label_counts() -> None:
    estimate = estimate_noise(LABELS, PROBS)
    # rows x 3/3, 3/2, 2/1: each row sums to its label count, the total is n.
    np.testing.assert_allclose(estimate.calibrated_joint, [[2, 1, 0], [0, 3, 0], [0, 0, 2]])
    np.testing.assert_allclose(
        calibrate_joint(np.array([[2, 1], [0, 1]]), np.array([6, 2])), np.array([[4, 2], [0, 2]])
    )
    # A row without a single confident image has no evidence of noise.
    np.testing.assert_allclose(
        calibrate_joint(np.array([[2, 0], [0, 0]]), np.array([2, 3])), [[2, 0], [0, 3]]
    )


def test_joint_noise_matrix_and_count() -> None:
    estimate = estimate_noise(LABELS, PROBS)
    np.testing.assert_allclose(estimate.joint, np.array([[2, 1, 0], [0, 3, 0], [0, 0, 2]]) / 8)
    np.testing.assert_allclose(
        estimate.noise_matrix, np.array([[1, 0.25, 0], [0, 0.75, 0], [0, 0, 1]])
    )
    assert estimate.num_label_issues == 1
    assert estimate_num_label_issues(LABELS, PROBS, method="calibrated") == 1
    assert estimate_num_label_issues(LABELS, PROBS, method="confident_joint") == 1
    assert estimate_num_label_issues(LABELS, PROBS, method="predicted_neq_given") == 3


def test_round_preserving_row_totals() -> None:
    rounded = round_preserving_row_totals(np.array([[1.5, 1.5, 0.0], [0.2, 0.3, 2.5]]))
    np.testing.assert_array_equal(rounded, [[2, 1, 0], [0, 0, 3]])


# Filter case: u1 looks like class 1 (largest p1 - p0), u2 has the lowest p0 (leans to 2).
FILTER_LABELS = np.array([0, 0, 0, 0, 1, 1, 2, 2])
FILTER_PROBS = np.array(
    [
        [0.90, 0.05, 0.05],  # u0
        [0.30, 0.70, 0.00],  # u1
        [0.25, 0.35, 0.40],  # u2
        [0.80, 0.10, 0.10],  # u3
        [0.10, 0.90, 0.00],  # v0
        [0.00, 0.80, 0.20],  # v1: lowest p1 in class 1, but its label is its argmax
        [0.00, 0.10, 0.90],
        [0.10, 0.00, 0.90],
    ]
)


def _filter(joint: list[list[float]], filter_by: str) -> list[int]:
    estimate = NoiseEstimate(
        np.zeros(3), np.full(8, -1), np.zeros((3, 3), int), np.array(joint, dtype=float)
    )
    return np.flatnonzero(cl_filter(FILTER_LABELS, FILTER_PROBS, estimate, filter_by)).tolist()


def test_prune_by_noise_rate_takes_largest_margin_per_cell() -> None:
    assert _filter([[3, 1, 0], [0, 2, 0], [0, 0, 2]], "prune_by_noise_rate") == [1]
    assert _filter([[2, 1, 1], [0, 2, 0], [0, 0, 2]], "prune_by_noise_rate") == [1, 2]


def test_prune_by_class_takes_lowest_self_confidence() -> None:
    assert _filter([[3, 1, 0], [0, 2, 0], [0, 0, 2]], "prune_by_class") == [2]
    assert _filter([[2, 1, 1], [0, 2, 0], [0, 0, 2]], "prune_by_class") == [1, 2]


def test_both_is_the_intersection() -> None:
    assert _filter([[3, 1, 0], [0, 2, 0], [0, 0, 2]], "both") == []
    assert _filter([[2, 1, 1], [0, 2, 0], [0, 0, 2]], "both") == [1, 2]


def test_filters_never_flag_a_label_that_is_the_argmax() -> None:
    # One class-1 image is estimated to be truly 2: the candidate v1 has argmax 1 = its label.
    for filter_by in ("prune_by_noise_rate", "prune_by_class", "both"):
        assert _filter([[4, 0, 0], [0, 1, 1], [0, 0, 2]], filter_by) == []


def test_filters_on_hand_case() -> None:
    for filter_by in ("prune_by_noise_rate", "prune_by_class", "both", "confident_learning"):
        assert np.flatnonzero(find_label_issues(LABELS, PROBS, filter_by=filter_by)).tolist() == [2]
    flagged = find_label_issues(LABELS, PROBS, filter_by="predicted_neq_given")
    assert np.flatnonzero(flagged).tolist() == [2, 5, 7]  # image 6 ties for the top


def test_uninformative_predictions_flag_nothing() -> None:
    labels = np.array([0, 1, 2, 3, 1, 2])
    probs = np.full((6, 4), 0.25)  # every class ties: no evidence against any label
    assert not find_label_issues(labels, probs).any()
    np.testing.assert_array_equal(suggested_labels(labels, probs), labels)
    np.testing.assert_allclose(label_quality_scores(labels, probs), 0.5)


def test_ambiguity_count_is_the_calibrated_count_when_entropy_is_constant() -> None:
    base = np.array([0.7, 0.2, 0.1])  # every row a permutation: one entropy for all
    rows = [base, base, base[[1, 0, 2]], base[[2, 0, 1]], base[[1, 0, 2]], base[[0, 2, 1]]]
    labels = np.array([0, 0, 0, 1, 1, 2])
    probs = np.array(rows)
    labels, probs = check_inputs(labels, probs)
    estimate = estimate_noise_unchecked(labels, probs)
    count = ambiguity_calibrated_count(labels, probs, estimate)
    assert count == pytest.approx(
        estimate.calibrated_joint.sum() - np.trace(estimate.calibrated_joint)
    )


def _two_classes(errors_look_ambiguous: bool) -> tuple[np.ndarray, np.ndarray]:
    """Class 0: 5 sure and 10 unsure correct images, 4 mislabels (unsure- or sure-looking)
    and 6 coin flips that reach no threshold; class 1: 10 images at 0.55 (t1 = 0.55)."""
    mislabel = [0.4, 0.6] if errors_look_ambiguous else [0.1, 0.9]
    rows = [[0.9, 0.1]] * 5 + [[0.65, 0.35]] * 10 + [mislabel] * 4 + [[0.5, 0.5]] * 6
    rows += [[0.45, 0.55]] * 10
    return np.array([0] * 25 + [1] * 10), np.array(rows)


def test_ambiguity_count_follows_where_the_errors_are() -> None:
    for errors_look_ambiguous, more in ((True, True), (False, False)):
        labels, probs = _two_classes(errors_look_ambiguous)
        estimate = estimate_noise_unchecked(labels, probs)
        assert (estimate.confident_labels == -1).sum() == 6
        assert estimate.confident_joint[0, 1] == 4
        calibrated = estimate.calibrated_joint[0, 1]  # 4 of 19 confident, scaled to 25
        assert calibrated == pytest.approx(4 / 19 * 25)
        count = ambiguity_calibrated_count(labels, probs, estimate)
        assert (count > calibrated) == more and count != pytest.approx(calibrated)


def test_denoise_inverts_the_noise_matrix_when_identifiable() -> None:
    noise = np.array([[0.8, 0.3], [0.2, 0.7]])  # P(given = i | true = j)
    clean = np.array([[1.0, 0.0], [0.25, 0.75]])
    np.testing.assert_allclose(denoise(clean @ noise.T, noise), clean, atol=1e-12)
    coin_flip = np.array([[0.5, 0.5], [0.5, 0.5]])  # labels say nothing: leave p alone
    np.testing.assert_array_equal(denoise(clean @ noise.T, coin_flip), clean @ noise.T)
    clipped = denoise(np.array([[0.95, 0.05]]), noise)  # outside T's image: clipped
    np.testing.assert_allclose(clipped, [[1.0, 0.0]])


def _planted(seed: int = 0, n: int = 90, k: int = 3) -> tuple[np.ndarray, np.ndarray, int]:
    rng = np.random.default_rng(seed)
    truth = np.arange(n) % k
    probs = rng.dirichlet(np.ones(k), size=n) * 0.3
    probs[np.arange(n), truth] += 0.7
    labels = truth.copy()
    flipped = 17
    labels[flipped] = (truth[flipped] + 1) % k
    return labels, probs, flipped


@pytest.mark.parametrize("method", SCORE_METHODS)
def test_perfect_predictions_score_highest_for_correct_labels(method: str) -> None:
    truth = np.array([0, 1, 2, 0, 1, 2])
    probs = np.eye(3)[truth]
    scores = label_quality_scores(truth, probs, method=method)
    np.testing.assert_allclose(scores, 1.0)
    wrong = truth.copy()
    wrong[[0, 4]] = [1, 0]
    scores = label_quality_scores(wrong, probs, method=method)
    assert scores[[0, 4]].max() < scores[[1, 2, 3, 5]].min()


@pytest.mark.parametrize("method", SCORE_METHODS)
def test_planted_flip_scores_lowest(method: str) -> None:
    labels, probs, flipped = _planted()
    scores = label_quality_scores(labels, probs, method=method)
    assert scores.argmin() == flipped
    assert scores.min() >= 0.0 and scores.max() <= 1.0


def test_planted_flip_is_flagged_with_its_true_class_suggested() -> None:
    labels, probs, flipped = _planted()
    flagged = find_label_issues(labels, probs)
    assert flagged[flipped] and flagged.sum() <= 2
    assert suggested_labels(labels, probs)[flipped] == (labels[flipped] - 1) % 3
    assert np.flatnonzero(find_label_issues(labels, probs, num_issues=1)).tolist() == [flipped]
    assert find_label_issues(labels, probs, num_issues=5).sum() == 5


@pytest.mark.parametrize(
    ("labels", "probs", "message"),
    [
        ([0, 1], [[0.5, 0.5]], "one entry per row"),
        ([0, 3], [[0.5, 0.5], [0.5, 0.5]], "outside 0..1"),
        ([0, -1], [[0.5, 0.5], [0.5, 0.5]], "outside 0..1"),
        ([0, 1], [[0.5, 0.6], [0.5, 0.5]], "^1 row of pred_probs does not sum to 1"),
        ([0, 1], [[0.5, 0.6], [0.4, 0.5]], "^2 rows of pred_probs do not sum to 1"),
        ([0, 1], [[2.0, -1.0], [0.5, 0.5]], "not logits"),
        ([0, 1], [[np.nan, 0.5], [0.5, 0.5]], "^1 row of pred_probs contains NaN"),
        ([0, 1], [0.5, 0.5], "2-D"),
        ([0.5, 1], [[0.5, 0.5], [0.5, 0.5]], "integer"),
        (["a", "b"], [[0.5, 0.5], [0.5, 0.5]], "integer"),
        ([], np.zeros((0, 2)), "no labeled images"),
    ],
)
def test_invalid_inputs_say_what_is_wrong(labels: object, probs: object, message: str) -> None:
    with pytest.raises(InvalidLabelInputs, match=message) as info:
        label_quality_scores(labels, probs)
    assert isinstance(info.value, LabelDeskError) and isinstance(info.value, ValueError)


def test_unknown_options_and_integral_float_labels() -> None:
    with pytest.raises(InvalidLabelInputs, match="score method"):
        label_quality_scores(LABELS, PROBS, method="nope")
    with pytest.raises(InvalidLabelInputs, match="filter"):
        find_label_issues(LABELS, PROBS, filter_by="nope")
    with pytest.raises(InvalidLabelInputs, match="count method"):
        estimate_num_label_issues(LABELS, PROBS, method="nope")
    with pytest.raises(InvalidLabelInputs, match="num_issues"):
        find_label_issues(LABELS, PROBS, num_issues=-1)
    np.testing.assert_allclose(
        label_quality_scores(LABELS.astype(float), PROBS), label_quality_scores(LABELS, PROBS)
    )


@pytest.mark.parametrize("bad", [2.5, True, "3", float("nan")])
def test_num_issues_must_be_a_whole_number(bad) -> None:
    # 2.5 reached a slice ("slice indices must be integers"); True flagged one image
    with pytest.raises(InvalidLabelInputs, match="num_issues must be a whole number"):
        find_label_issues(LABELS, PROBS, num_issues=bad)
    assert find_label_issues(LABELS, PROBS, num_issues=np.int64(1)).sum() == 1


# Bars from shared/benchmarks/label-errors/README.md: (AUROC, precision@#errors, flag F1),
# F1 being the better of cleanlab's default filter and argmax != given.
BARS = {
    "cifar10-noise20-sp0.4": (0.9969, 0.952, 0.942),
    "cifar10n-aggre": (0.9773, 0.792, 0.747),
    "cifar10n-worst": (0.9634, 0.874, 0.884),
}
# The README's cleanlab default filter (prune by noise rate): (precision, recall).
CLEANLAB_DEFAULT = {
    "cifar10-noise20-sp0.4": (0.908, 0.978),
    "cifar10n-aggre": (0.882, 0.545),
    "cifar10n-worst": (0.927, 0.784),
}


def _precision_recall_f1(flagged: np.ndarray, errors: np.ndarray) -> tuple[float, float, float]:
    hits = (flagged & errors).sum()
    precision, recall = hits / flagged.sum(), hits / errors.sum()
    return precision, recall, 2 * precision * recall / (precision + recall)


@pytest.mark.parametrize("name", list(BARS))
def test_published_fixtures_meet_the_bars(name: str) -> None:
    if not FIXTURES.is_dir():
        pytest.skip(f"shared label-error fixtures not found at {FIXTURES}")
    from sklearn.metrics import roc_auc_score

    probs = np.load(FIXTURES / f"{name}_pred_probs.npy")
    labels = np.load(FIXTURES / f"{name}_noisy_labels.npy")
    errors = labels != np.load(FIXTURES / f"{name}_true_labels.npy")
    auroc_bar, precision_bar, f1_bar = BARS[name]

    scores = label_quality_scores(labels, probs)
    assert roc_auc_score(errors, -scores) >= auroc_bar
    lowest = np.argsort(scores, kind="stable")[: errors.sum()]
    assert errors[lowest].mean() >= precision_bar
    assert _precision_recall_f1(find_label_issues(labels, probs), errors)[2] >= f1_bar

    # Our prune-by-noise-rate reproduces the published cleanlab figures.
    flagged = find_label_issues(labels, probs, filter_by="prune_by_noise_rate")
    precision, recall, _ = _precision_recall_f1(flagged, errors)
    assert (precision, recall) == pytest.approx(CLEANLAB_DEFAULT[name], abs=1e-3)
