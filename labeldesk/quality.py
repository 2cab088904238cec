"""Label quality for notebooks: NumPy arrays in, NumPy arrays out.

    from labeldesk.quality import find_label_issues, label_quality_scores
    scores = label_quality_scores(labels, pred_probs)   # (n,) in [0, 1], low = likely wrong
    issues = find_label_issues(labels, pred_probs)      # (n,) bool

``labels`` are integer class indices (n,), ``pred_probs`` out-of-sample probabilities (n, K),
e.g. from cross-validation: scores from a model that saw an image's label in training are
overconfident about that label.
"""

from labeldesk.ml.confident import (
    COUNT_METHODS,
    InvalidLabelInputs,
    NoiseEstimate,
    estimate_noise,
    estimate_num_label_issues,
)
from labeldesk.ml.quality import (
    FILTERS,
    SCORE_METHODS,
    find_label_issues,
    label_quality_scores,
    suggested_labels,
)

__all__ = [
    "COUNT_METHODS",
    "FILTERS",
    "SCORE_METHODS",
    "InvalidLabelInputs",
    "NoiseEstimate",
    "estimate_noise",
    "estimate_num_label_issues",
    "find_label_issues",
    "label_quality_scores",
    "suggested_labels",
]
