"""Per-image label-quality scores, suggested labels and label-issue flags. Arrays in, arrays out.

Scores lie in [0, 1], low = likely wrong. The baselines are those of Kuan & Mueller,
"Model-agnostic label quality scoring to detect real-world label errors" (ICML DataPerf
workshop 2022): self-confidence, normalized margin, confidence-weighted entropy.

The default, ``denoised_rival_share``, first removes the label noise that confident learning
estimates (Northcutt, Jiang & Chuang, JAIR 2021): a model trained on noisy labels predicts
p(given | x) = T p(true | x) with T the noise matrix, so p(true | x) = T^-1 p(given | x),
clipped to the simplex. It then scores the given label against its strongest rival only,
p[given] / (p[given] + max_{j != given} p[j]): a label is doubtful when one other class is
more likely, not when the mass is spread thinly over many, and the score crosses 1/2 exactly
where the given label stops being the top class.

Flags: how many labels are wrong is estimated first (confident learning's calibrated count,
extended so the noise rate may depend on how ambiguous an image is, see
``confident.ambiguity_calibrated_count``), then that many lowest-scored images are flagged.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable

import numpy as np

from .confident import (
    CL_FILTERS,
    DEFAULT_COUNT_METHOD,
    InvalidLabelInputs,
    NoiseEstimate,
    check_inputs,
    cl_filter,
    count_label_issues,
    estimate_noise_unchecked,
    is_top_class,
)

DEFAULT_SCORE = "denoised_rival_share"
DEFAULT_FILTER = "lowest_scores"
FILTERS = (DEFAULT_FILTER, "predicted_neq_given", *CL_FILTERS)

Scorer = Callable[[np.ndarray, np.ndarray], np.ndarray]
TIE_BREAK = 1e-3


def _given(labels: np.ndarray, probs: np.ndarray) -> np.ndarray:
    return probs[np.arange(len(labels)), labels]


def _rival(labels: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Largest probability among the classes other than the given one."""
    others = probs.copy()
    others[np.arange(len(labels)), labels] = -np.inf
    return others.max(axis=1)


def self_confidence(labels: np.ndarray, probs: np.ndarray) -> np.ndarray:
    return _given(labels, probs)


def normalized_margin(labels: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """(p[given] - max other + 1) / 2: the margin in [-1, 1] rescaled to [0, 1]."""
    return (_given(labels, probs) - _rival(labels, probs) + 1) / 2


def confidence_weighted_entropy(labels: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """p[given] / exp(entropy): low when the given label is unlikely or the model is unsure."""
    entropy = -(probs * np.log(np.clip(probs, 1e-12, None))).sum(axis=1)
    return _given(labels, probs) / np.exp(entropy)


def rival_share(labels: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """p[given] / (p[given] + max other): the given label's share against its best rival."""
    given, rival = _given(labels, probs), _rival(labels, probs)
    total = given + rival
    return np.divide(given, total, out=np.full_like(given, 0.5), where=total > 0)


def denoise(probs: np.ndarray, noise_matrix: np.ndarray) -> np.ndarray:
    """Invert p(given | x) = T p(true | x) row by row and clip to the simplex.

    Only where the noise is identifiable: T invertible and every true class most often given
    its own label; otherwise the probabilities are returned as they are. T's columns sum to
    1, so each solved row sums to 1 before clipping and stays positive after.
    """
    diagonal = np.diag(noise_matrix)
    if np.any(diagonal <= (noise_matrix - np.diag(diagonal)).max(axis=0)):
        return probs
    try:
        inverse = np.linalg.inv(noise_matrix)
    except np.linalg.LinAlgError:
        return probs
    solved = np.maximum(probs @ inverse.T, 0.0)
    return solved / solved.sum(axis=1, keepdims=True)


SCORERS: dict[str, Scorer] = {
    "self_confidence": self_confidence,
    "normalized_margin": normalized_margin,
    "confidence_weighted_entropy": confidence_weighted_entropy,
    "rival_share": rival_share,
}
SCORE_METHODS = (DEFAULT_SCORE, *SCORERS)


def _scores(
    labels: np.ndarray, probs: np.ndarray, method: str, estimate: NoiseEstimate | None
) -> np.ndarray:
    if method == DEFAULT_SCORE:
        if estimate is None:
            estimate = estimate_noise_unchecked(labels, probs)
        denoised = rival_share(labels, denoise(probs, estimate.noise_matrix))
        # De-noising clips many clear errors to exactly 0; the raw share orders those ties
        # (and only them: its weight is below any gap that matters).
        return (1 - TIE_BREAK) * denoised + TIE_BREAK * rival_share(labels, probs)
    if method not in SCORERS:
        raise InvalidLabelInputs(f"unknown score method {method!r}; use one of {SCORE_METHODS}")
    return SCORERS[method](labels, probs)


def label_quality_scores(
    labels: object, pred_probs: object, *, method: str = DEFAULT_SCORE
) -> np.ndarray:
    """One score per image in [0, 1]; low = the given label is likely wrong."""
    given, probs = check_inputs(labels, pred_probs)
    return _scores(given, probs, method, None)


def suggested_labels(labels: object, pred_probs: object) -> np.ndarray:
    """Most likely true class per image under the noise-corrected probabilities (the given
    label where it ties for the top)."""
    given, probs = check_inputs(labels, pred_probs)
    clean = denoise(probs, estimate_noise_unchecked(given, probs).noise_matrix)
    return np.where(is_top_class(given, clean), given, clean.argmax(axis=1))


def find_label_issues(
    labels: object,
    pred_probs: object,
    *,
    filter_by: str = DEFAULT_FILTER,
    num_issues: int | None = None,
    score_method: str = DEFAULT_SCORE,
    count_method: str = DEFAULT_COUNT_METHOD,
) -> np.ndarray:
    """Boolean mask of images whose given label is likely wrong.

    ``lowest_scores`` (default) flags the ``num_issues`` lowest-scored images (by
    ``score_method``), by default as many as :func:`estimate_num_label_issues` estimates
    with ``count_method`` (``ambiguity``; ``clear_ambiguity`` is the count the project
    flags with), never one whose given label is its most likely class. The paper's filters
    (``prune_by_noise_rate``, ``prune_by_class``, ``both``, ``confident_learning``) and
    ``predicted_neq_given`` are there to compare. Bad inputs raise
    :class:`InvalidLabelInputs` (a ``ValueError``).
    """
    whole = isinstance(num_issues, numbers.Integral) and not isinstance(num_issues, bool)
    if num_issues is not None and (not whole or num_issues < 0):
        raise InvalidLabelInputs(
            f"num_issues must be a whole number of at least 0 (or None), not {num_issues!r}"
        )
    given, probs = check_inputs(labels, pred_probs)
    if filter_by == "predicted_neq_given":
        return ~is_top_class(given, probs)
    if filter_by not in FILTERS:
        raise InvalidLabelInputs(f"unknown filter {filter_by!r}; use one of {FILTERS}")
    estimate = estimate_noise_unchecked(given, probs)
    if filter_by != DEFAULT_FILTER:
        return cl_filter(given, probs, estimate, filter_by)
    scores = _scores(given, probs, score_method, estimate)
    order = np.argsort(scores, kind="stable")
    if num_issues is None:
        num_issues = round(count_label_issues(given, probs, estimate, count_method))
        top = is_top_class(given, denoise(probs, estimate.noise_matrix))
        order = order[~top[order]]  # a label that is its image's most likely class stays
    flagged = np.zeros(len(given), dtype=bool)
    flagged[order[: int(num_issues)]] = True
    return flagged
