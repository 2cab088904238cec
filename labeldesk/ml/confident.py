"""Confident learning: which given labels are likely wrong, from out-of-sample probabilities.

Written from the paper (cleanlab is AGPL-3.0 and not a dependency): Northcutt, Jiang & Chuang,
"Confident Learning: Estimating Uncertainty in Dataset Labels", JAIR 70 (2021). It gives the
per-class thresholds, the confident joint and its calibration, the estimated joint and noise
matrix, the number of label errors, and the prune-by-noise-rate / prune-by-class / both filters.

Conventions: ``labels`` are the given (possibly wrong) labels, ``pred_probs`` out-of-sample
probabilities (n, K). Joints are K x K with rows = given label, columns = true label.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from labeldesk.core.display import counted
from labeldesk.core.errors import LabelDeskError

# A probability this close below a threshold still reaches it (float rounding of the mean).
_THRESHOLD_SLACK = 1e-6
ROW_SUM_TOLERANCE = 1e-3
CL_FILTERS = ("prune_by_noise_rate", "prune_by_class", "both", "confident_learning")


class InvalidLabelInputs(LabelDeskError, ValueError):
    """Labels and predicted probabilities that cannot be scored, with what is wrong."""


def check_inputs(labels: object, pred_probs: object) -> tuple[np.ndarray, np.ndarray]:
    """Validate and return (int labels, float64 probabilities renormalised to sum to 1)."""
    probs = np.asarray(pred_probs, dtype=np.float64)
    given = np.asarray(labels)
    if probs.ndim != 2 or probs.shape[1] < 2:
        raise InvalidLabelInputs(
            f"pred_probs must be a 2-D array (images x classes, at least 2 classes), "
            f"got shape {probs.shape}"
        )
    if given.ndim != 1 or len(given) != len(probs):
        raise InvalidLabelInputs(
            f"labels must be 1-D with one entry per row of pred_probs: labels has shape "
            f"{given.shape}, pred_probs {probs.shape}"
        )
    if len(given) == 0:
        raise InvalidLabelInputs("no labeled images to score")
    if given.dtype.kind == "f" and np.all(np.isfinite(given)) and np.all(given == np.round(given)):
        given = given.astype(np.int64)
    if given.dtype.kind not in "iu":
        raise InvalidLabelInputs(f"labels must be integer class indices, got dtype {given.dtype}")
    n_classes = probs.shape[1]
    out_of_range = (given < 0) | (given >= n_classes)
    if out_of_range.any():
        row = int(np.flatnonzero(out_of_range)[0])
        raise InvalidLabelInputs(
            f"{counted(int(out_of_range.sum()), 'label')} outside 0..{n_classes - 1} "
            f"(first: row {row} has label {given[row]})"
        )
    _check_probabilities(probs)
    return given.astype(np.intp), probs / probs.sum(axis=1, keepdims=True)


def _check_probabilities(probs: np.ndarray) -> None:
    finite = np.isfinite(probs).all(axis=1)
    if not finite.all():
        n = int((~finite).sum())
        raise InvalidLabelInputs(
            f"{counted(n, 'row')} of pred_probs {'contains' if n == 1 else 'contain'} NaN or "
            f"infinity (first: row {int(np.flatnonzero(~finite)[0])})"
        )
    if probs.min() < -ROW_SUM_TOLERANCE or probs.max() > 1 + ROW_SUM_TOLERANCE:
        raise InvalidLabelInputs(
            "pred_probs must lie in [0, 1]: pass softmax probabilities, not logits"
        )
    sums = probs.sum(axis=1)
    bad = np.abs(sums - 1) > ROW_SUM_TOLERANCE
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        n = int(bad.sum())
        raise InvalidLabelInputs(
            f"{counted(n, 'row')} of pred_probs {'does' if n == 1 else 'do'} not sum to 1 "
            f"(first: row {row} sums to {sums[row]:.4g}); pass softmax probabilities, not "
            "logits or scores"
        )


def class_thresholds(labels: np.ndarray, pred_probs: np.ndarray) -> np.ndarray:
    """Per-class threshold t_j = mean p_j over images labelled j (CL paper, eq. 2).

    A bar for "confidently class j" that adapts to how confident the model is on j, so hard
    classes are not judged by easy classes' standards. A class nobody labelled gets +inf:
    without examples there is no bar, and no image is counted as confidently that class.
    """
    n, k = pred_probs.shape
    counts = np.bincount(labels, minlength=k)
    sums = np.bincount(labels, weights=pred_probs[np.arange(n), labels], minlength=k)
    thresholds = np.full(k, np.inf)
    thresholds[counts > 0] = sums[counts > 0] / counts[counts > 0]
    return thresholds


def confident_labels(
    pred_probs: np.ndarray, thresholds: np.ndarray, labels: np.ndarray | None = None
) -> np.ndarray:
    """For each image, the most probable class among those reaching their threshold; -1 if none.

    Taking the argmax among confident classes counts each image at most once in the joint.
    A tie with the given label goes to the given label: only a strictly likelier class is
    evidence against it.
    """
    above = pred_probs >= thresholds - _THRESHOLD_SLACK
    masked = np.where(above, pred_probs, -1.0)
    guess = masked.argmax(axis=1)
    if labels is not None:
        rows = np.arange(len(labels))
        tied = masked[rows, labels] >= masked[rows, guess]
        guess = np.where(tied, labels, guess)
    return np.where(above.any(axis=1), guess, -1)


def is_top_class(labels: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Whether each given label is (one of) its image's most probable classes."""
    return probs[np.arange(len(labels)), labels] >= probs.max(axis=1)


def calibrate_joint(confident_joint: np.ndarray, label_counts: np.ndarray) -> np.ndarray:
    """Scale each row to its given-label count, so the joint totals n (CL paper, eq. 3).

    Images without a confident class are spread over a row like the confident ones; a row
    with no confident image at all has no evidence of noise and goes on the diagonal.
    """
    rows = confident_joint.sum(axis=1).astype(np.float64)
    calibrated = np.diag(label_counts).astype(np.float64)
    seen = rows > 0
    calibrated[seen] = confident_joint[seen] * (label_counts[seen] / rows[seen])[:, None]
    return calibrated * (label_counts.sum() / calibrated.sum())


@dataclass(frozen=True)
class NoiseEstimate:
    """What confident learning estimates about the label noise of one dataset."""

    thresholds: np.ndarray  # (K,) per-class confidence thresholds
    confident_labels: np.ndarray  # (n,) confidently-true class per image, -1 where none
    confident_joint: np.ndarray  # (K, K) int counts, rows given, columns true
    calibrated_joint: np.ndarray  # (K, K) float, rows sum to given-label counts, total n

    @property
    def joint(self) -> np.ndarray:
        """Estimated P(given = i, true = j); sums to 1."""
        return self.calibrated_joint / self.calibrated_joint.sum()

    @property
    def noise_matrix(self) -> np.ndarray:
        """Estimated P(given = i | true = j); columns sum to 1 (identity for unseen classes)."""
        joint = self.joint
        cols = joint.sum(axis=0)
        matrix = np.eye(len(cols))
        seen = cols > 0
        matrix[:, seen] = joint[:, seen] / cols[seen]
        return matrix

    @property
    def num_label_issues(self) -> int:
        """The paper's estimate of the number of wrong labels: the joint's off-diagonal mass."""
        off = self.calibrated_joint.sum() - np.trace(self.calibrated_joint)
        return round(float(off))


def estimate_noise(labels: object, pred_probs: object) -> NoiseEstimate:
    """Thresholds, confident joint and calibrated joint for these labels and probabilities."""
    given, probs = check_inputs(labels, pred_probs)
    return estimate_noise_unchecked(given, probs)


def estimate_noise_unchecked(labels: np.ndarray, probs: np.ndarray) -> NoiseEstimate:
    """:func:`estimate_noise` for arrays already checked by :func:`check_inputs`."""
    k = probs.shape[1]
    thresholds = class_thresholds(labels, probs)
    guess = confident_labels(probs, thresholds, labels)
    has = guess >= 0
    cj = np.bincount(labels[has] * k + guess[has], minlength=k * k).reshape(k, k)
    calibrated = calibrate_joint(cj, np.bincount(labels, minlength=k))
    return NoiseEstimate(thresholds, guess, cj, calibrated)


def round_preserving_row_totals(matrix: np.ndarray) -> np.ndarray:
    """Integer matrix whose rows keep their (rounded) totals: largest remainders round up."""
    floors = np.floor(matrix)
    short = np.round(matrix.sum(axis=1) - floors.sum(axis=1)).astype(int)
    order = np.argsort(-(matrix - floors), axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(matrix.shape[1])[None, :], axis=1)
    return (floors + (ranks < short[:, None])).astype(int)


def prune_counts(estimate: NoiseEstimate) -> np.ndarray:
    """How many images to flag per (given, true) cell; keeps at least one image per class."""
    counts = round_preserving_row_totals(estimate.calibrated_joint)
    np.fill_diagonal(counts, 0)
    label_counts = np.round(estimate.calibrated_joint.sum(axis=1)).astype(int)
    over = counts.sum(axis=1) - np.maximum(label_counts - 1, 0)
    for row in np.flatnonzero(over > 0):  # rare: almost every label in a class looks wrong
        counts[row] = np.floor(counts[row] * (1 - over[row] / counts[row].sum())).astype(int)
    return counts


def cl_filter(
    labels: np.ndarray, probs: np.ndarray, estimate: NoiseEstimate, filter_by: str
) -> np.ndarray:
    """The paper's label-error filters (section 3.2) as a boolean mask over images.

    As in the authors' reference implementation, an image whose given label is the model's
    top prediction is never flagged: pruning counts are estimates, the argmax is evidence.
    """
    if filter_by == "confident_learning":
        guess = estimate.confident_labels
        flagged = (guess >= 0) & (guess != labels)
    elif filter_by == "prune_by_noise_rate":
        flagged = _prune_by_noise_rate(labels, probs, prune_counts(estimate))
    elif filter_by == "prune_by_class":
        flagged = _prune_by_class(labels, probs, prune_counts(estimate))
    elif filter_by == "both":
        counts = prune_counts(estimate)
        flagged = _prune_by_noise_rate(labels, probs, counts)
        flagged &= _prune_by_class(labels, probs, counts)
    else:
        raise InvalidLabelInputs(f"unknown filter {filter_by!r}; use one of {CL_FILTERS}")
    return flagged & ~is_top_class(labels, probs)


def _prune_by_noise_rate(labels: np.ndarray, probs: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Per off-diagonal cell (i, j): flag the counts[i, j] images labelled i with the largest
    margin p_j - p_i, i.e. the ones that look most like class j."""
    flagged = np.zeros(len(labels), dtype=bool)
    for i in np.flatnonzero(counts.sum(axis=1)):
        rows = np.flatnonzero(labels == i)
        margins = probs[rows] - probs[rows, i][:, None]
        order = np.argsort(-margins, axis=0, kind="stable")
        ranks = np.empty_like(order)
        np.put_along_axis(ranks, order, np.arange(len(rows))[:, None], axis=0)
        flagged[rows] = (ranks < counts[i][None, :]).any(axis=1)
    return flagged


def _prune_by_class(labels: np.ndarray, probs: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Per given class i: flag the sum_j counts[i, j] images with the lowest p_i."""
    flagged = np.zeros(len(labels), dtype=bool)
    for i in np.flatnonzero(counts.sum(axis=1)):
        rows = np.flatnonzero(labels == i)
        lowest = np.argsort(probs[rows, i], kind="stable")[: counts[i].sum()]
        flagged[rows[lowest]] = True
    return flagged


COUNT_METHODS = (
    "ambiguity",
    "calibrated",
    "clear",
    "clear_ambiguity",
    "confident_joint",
    "predicted_neq_given",
)
DEFAULT_COUNT_METHOD = "ambiguity"
# ``clear``: the confident class must be at least this many times likelier than the given
# label. Chosen by the worst case over datasets and noise patterns (bench_flag_count.py).
CLEAR_RATIO = 6.0
# ``clear_ambiguity``: the ambiguity count, with only clear disagreements (this ratio) as
# evidence of errors. Chosen by the worst |log(flagged / true errors)| over
# benchmarks/bench_label_suite.py's choice sets and the CIFAR-10/10N fixtures: 0.49-2.05
# at 4 (3: 0.68-2.26, and 34 flags for the sample's 12 planted errors; 2: up to 2.9;
# ``clear``: down to 0.25, and 0.42 on CIFAR-10N).
CLEAR_AMBIGUITY_RATIO = 4.0
# ... and an image this sure of another class counts even below that class's threshold
# (at 0.5 it took 1,367 CIFAR-10N images, a quarter of them right, and doubled the count).
OBVIOUS = 0.8


def estimate_num_label_issues(
    labels: object, pred_probs: object, *, method: str = DEFAULT_COUNT_METHOD
) -> int:
    """Estimated number of wrong labels.

    ``ambiguity`` (default): the paper's calibrated count with the noise rate allowed to grow
    or shrink with ambiguity (see :func:`ambiguity_calibrated_count`); ``calibrated``: the
    paper's off-diagonal mass; ``clear``: only images with clear evidence against their
    label (see :func:`clear_error_count`; for a weak model such as a linear probe on a
    small project); ``clear_ambiguity``: ``ambiguity`` with only clear disagreements (a
    rival at least 4 times likelier than the label) as errors, the count the project
    flags with; ``confident_joint``: uncalibrated off-diagonal count;
    ``predicted_neq_given``: images whose given label is not their most probable class.
    """
    given, probs = check_inputs(labels, pred_probs)
    return round(count_label_issues(given, probs, estimate_noise_unchecked(given, probs), method))


def count_label_issues(
    labels: np.ndarray, probs: np.ndarray, estimate: NoiseEstimate, method: str
) -> float:
    """:func:`estimate_num_label_issues` for checked arrays and a ready estimate."""
    if method == "ambiguity":
        return ambiguity_calibrated_count(labels, probs, estimate)
    if method == "calibrated":
        return float(estimate.num_label_issues)
    if method == "clear":
        return float(clear_errors(labels, probs, estimate).sum())
    if method == "clear_ambiguity":
        return ambiguity_calibrated_count(
            labels, probs, estimate, clear_ratio=CLEAR_AMBIGUITY_RATIO
        )
    if method == "confident_joint":
        return float(estimate.confident_joint.sum() - np.trace(estimate.confident_joint))
    if method == "predicted_neq_given":
        return float((~is_top_class(labels, probs)).sum())
    raise InvalidLabelInputs(f"unknown count method {method!r}; use one of {COUNT_METHODS}")


def ambiguity_calibrated_count(
    labels: np.ndarray,
    probs: np.ndarray,
    estimate: NoiseEstimate,
    *,
    clear_ratio: float | None = None,
) -> float:
    """Confident off-diagonal images, plus an expected count for the images with no confident
    class, from a noise rate that depends on the given class and on predictive entropy.

    The paper's calibration assumes images without a confident class are wrong as often as
    the confident ones of their given class. Human labelling errors concentrate on ambiguous
    images (high entropy) while random flips do not, so we fit rate = a[class] + b * entropy
    by least squares on the confident images (off-diagonal or not) and extrapolate; with
    b = 0 this is exactly the paper's calibrated count. With ``clear_ratio`` only the
    confident images whose rival is that many times likelier count as wrong
    (:func:`clear_errors`), the close calls as right; and an image whose top class holds
    ``OBVIOUS`` of the belief and is that many times likelier than its label counts as wrong
    even below the class's threshold (a class the model is very sure of sets a bar near 1, which
    a mislabeled image of it may just miss: 2 flips among 30 well-separated images).
    """
    k = probs.shape[1]
    has = estimate.confident_labels >= 0
    if clear_ratio is None:
        wrong = estimate.confident_labels != labels
    else:
        top, given = probs.max(axis=1), probs[np.arange(len(labels)), labels]
        obvious = (top >= OBVIOUS) & (top >= clear_ratio * given) & ~is_top_class(labels, probs)
        wrong = clear_errors(labels, probs, estimate, clear_ratio) | obvious
        has = has | obvious
    off = (has & wrong).astype(np.float64)
    entropy = -(probs * np.log(np.clip(probs, 1e-12, None))).sum(axis=1) / np.log(k)
    conf_n = np.bincount(labels[has], minlength=k)
    safe_n = np.maximum(conf_n, 1)
    mean_h = np.bincount(labels[has], weights=entropy[has], minlength=k) / safe_n
    mean_off = np.bincount(labels[has], weights=off[has], minlength=k) / safe_n
    dh = entropy[has] - mean_h[labels[has]]
    spread = float(dh @ dh)
    slope = float(dh @ (off[has] - mean_off[labels[has]])) / spread if spread > 0 else 0.0
    rate = np.clip(mean_off[labels] + slope * (entropy - mean_h[labels]), 0.0, 1.0)
    return float(off.sum() + rate[~has].sum())


def clear_errors(
    labels: np.ndarray, probs: np.ndarray, estimate: NoiseEstimate, ratio: float = CLEAR_RATIO
) -> np.ndarray:
    """Images with clear evidence against their label: confidently another class (the
    confident joint's off-diagonal, uncalibrated) that is ``ratio`` times likelier.

    The calibrated counts take every disagreement of a weak model as a label error: on
    look-alike classes (shirt / t-shirt) a probe on 400 images disagrees with a quarter
    of the correct labels. Those disagreements are close calls; a label error usually is
    not, so only off-diagonal images with a clear margin are counted. The cost is an
    undercount where errors are themselves close calls (human mistakes on ambiguous images
    judged by a strong model; many flips between two classes, which the model learns).
    """
    guess = estimate.confident_labels
    rows = np.arange(len(labels))
    rival = probs[rows, np.maximum(guess, 0)]
    return (guess >= 0) & (guess != labels) & (rival >= ratio * probs[rows, labels])
