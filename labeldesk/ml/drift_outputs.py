"""Does the project's model see the new images differently? Tests on its outputs.

Rabanser, Günnemann & Lipton ("Failing Loudly: An Empirical Study of Methods for
Detecting Dataset Shift", NeurIPS 2019) found that tests on a trained classifier's
outputs detect shift about as well as tests on representations, and say more about what
changed. Three are reported:

- the predicted-class histogram of the new images against that of the labeled project
  images (the report's reference sample; chi-square test of homogeneity);
- per predicted class, the model's confidence on new against reference images
  (Mann-Whitney U, Bonferroni over classes);
- the share of new images below the confidence at which the model was 90 % right on its
  test split (val, or out-of-fold train predictions, when the project has no test split;
  a sample of 10,000 of them in a bigger project: :mod:`.drift_predictions`).

Both sides are scored by one model: the linear probe mixed with the vote of the nearest
labeled project images (:mod:`labeldesk.ml.predictions`), never a trained head, which
would score only the project side (more confident, so the new images would look
different for that alone). The project side is the probe out of fold for train images,
fit on the train labels for val and test ones, and their vote; the new images get the
probe fit on all the train labels, and their vote. Neither side has the cleaning refit
of *Likely mislabels* (which leaves out the labels its first pass found likely wrong):
the new images' probe could not be refit so without fitting it twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from labeldesk.core.display import quoted_names

if TYPE_CHECKING:
    from labeldesk.core.project import Project

    from .store import ProjectVectors

TARGET_ACCURACY = 0.9
MIN_PER_CLASS = 5  # images on each side for a per-class confidence test


@dataclass
class OutputShift:
    classes: list[str]
    reference_counts: list[int]
    new_counts: list[int]
    chi2: float
    p_value: float
    per_class: list[dict[str, Any]]
    threshold: float | None  # confidence at which the model was TARGET_ACCURACY right
    threshold_source: str  # "test", "val", "out-of-fold train" or "none"
    low_confidence_share: float | None
    reference_low_share: float | None
    new_predicted: np.ndarray = field(repr=False)
    new_confidence: np.ndarray = field(repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "new": dict(zip(self.classes, self.new_counts, strict=True)),
            "reference": dict(zip(self.classes, self.reference_counts, strict=True)),
            "chi2": round(self.chi2, 4),
            "p_value": self.p_value,
            "per_class_confidence": self.per_class,
            "threshold": None if self.threshold is None else round(self.threshold, 4),
            "threshold_source": self.threshold_source,
            "reference_low_confidence_share": self.reference_low_share,
        }


def class_shares_text(outputs: OutputShift, alpha: float, most: int = 3) -> str:
    """The predicted classes whose share moved most, in words, when the predicted-class
    histograms differ at ``alpha`` ("" otherwise). What drifted, when the images look like
    the project's but come in other proportions (a folder of bags only), or when a change
    of the images makes the model call them something else (blurred shirts read as bags)."""
    ref = np.asarray(outputs.reference_counts, dtype=float)
    new = np.asarray(outputs.new_counts, dtype=float)
    if outputs.p_value >= alpha or not ref.sum() or not new.sum():
        return ""
    ref_share, new_share = ref / ref.sum(), new / new.sum()
    moved = np.argsort(-np.abs(new_share - ref_share), kind="stable")[:most]
    parts = [
        f"{quoted_names([outputs.classes[k]])} for {new_share[k]:.0%} of the new images vs "
        f"{ref_share[k]:.0%} "
        "of the labeled ones"
        for k in moved
        if abs(new_share[k] - ref_share[k]) >= 0.005
    ]
    if not parts:
        return ""
    return (
        f"The model's predicted classes differ (chi-square p = {outputs.p_value:.3g}): "
        f"{', '.join(parts)}: the classes come in other proportions, or the model reads the "
        "new images as other classes."
    )


def confidence_for_accuracy(
    confidence: np.ndarray, correct: np.ndarray, target: float = TARGET_ACCURACY
) -> float | None:
    """The lowest confidence t such that the images at or above t were at least ``target``
    right (None when even the most confident were not)."""
    order = np.argsort(-confidence, kind="stable")
    hits = np.cumsum(correct[order]) / np.arange(1, len(order) + 1)
    good = np.flatnonzero(hits >= target)
    return float(confidence[order][good[-1]]) if len(good) else None


def compare_outputs(
    classes: list[str],
    reference_probs: np.ndarray,
    new_probs: np.ndarray,
    eval_confidence: np.ndarray,
    eval_correct: np.ndarray,
    eval_source: str,
) -> OutputShift:
    """The three output tests on probability arrays (rows: images, columns: classes)."""
    from scipy.stats import chi2_contingency, mannwhitneyu

    c = len(classes)
    ref_pred, new_pred = reference_probs.argmax(1), new_probs.argmax(1)
    ref_conf, new_conf = reference_probs.max(1), new_probs.max(1)
    ref_counts = np.bincount(ref_pred, minlength=c)
    new_counts = np.bincount(new_pred, minlength=c)
    table = np.stack([ref_counts, new_counts])[:, (ref_counts + new_counts) > 0]
    chi2, p_value = 0.0, 1.0
    if table.shape[1] > 1 and ref_counts.sum() and new_counts.sum():
        result = chi2_contingency(table)
        chi2, p_value = float(result[0]), float(result[1])
    per_class = []
    tested = [k for k in range(c) if min(ref_counts[k], new_counts[k]) >= MIN_PER_CLASS]
    for k in range(c):
        a, b = ref_conf[ref_pred == k], new_conf[new_pred == k]
        row: dict[str, Any] = {
            "class": classes[k],
            "reference_mean": round(float(a.mean()), 4) if len(a) else None,
            "new_mean": round(float(b.mean()), 4) if len(b) else None,
            "p_value": None,
        }
        if k in tested:
            p = float(mannwhitneyu(a, b, alternative="two-sided").pvalue)
            row["p_value"] = min(1.0, p * len(tested))
        per_class.append(row)
    threshold = None
    if len(eval_confidence):
        threshold = confidence_for_accuracy(eval_confidence, eval_correct)
    low = ref_low = None
    if threshold is not None:
        low = float(np.mean(new_conf < threshold))
        ref_low = float(np.mean(ref_conf < threshold))
    return OutputShift(
        classes=classes,
        reference_counts=ref_counts.tolist(),
        new_counts=new_counts.tolist(),
        chi2=chi2,
        p_value=p_value,
        per_class=per_class,
        threshold=threshold,
        threshold_source=eval_source if threshold is not None else "none",
        low_confidence_share=low,
        reference_low_share=ref_low,
        new_predicted=new_pred,
        new_confidence=new_conf,
    )


def model_outputs(
    project: Project,
    vectors: ProjectVectors,
    statuses: list[str | None],
    new_vectors: np.ndarray,
    neighbour_sims: np.ndarray,
    neighbour_rows: np.ndarray,
    *,
    reference: np.ndarray | None = None,
) -> OutputShift | None:
    """The output tests for the project's model, or None when it has no model (fewer
    than two labeled classes). ``statuses``: each row's review status; ``neighbour_*``:
    each new image's nearest project images (rows into ``vectors``), for the kNN part of
    the predictions; ``reference``: the rows the new images are compared with (default:
    every labeled row not excluded)."""
    from labeldesk.core.vocab import EXCLUDED, known_class_codes

    from .drift_predictions import project_side
    from .drift_sample import MAX_PROBE_ROWS, stratified_sample
    from .out_of_sample import KNN_WEIGHT, knn_votes
    from .predictions import training_mask
    from .probe import probe_probabilities

    classes = project.classes()
    labels = known_class_codes(vectors.labels, classes, vectors.paths)
    trainable = training_mask(labels, vectors.splits, statuses)
    if len(np.unique(labels[trainable])) < 2:
        return None
    # The new images as the project's held-out images are predicted (the probe fit on the
    # train labels, mixed with the kNN vote), not by a trained head: the two sides of
    # each test, and the confidence threshold, come from the same model.
    # a seeded stratified sample of a big project's train rows (all of a small one's):
    # the probe's fit and its copy of the vectors stay bounded at any project size
    train_rows = np.flatnonzero(trainable)
    train_rows = stratified_sample(train_rows, labels[train_rows].tolist(), MAX_PROBE_ROWS, 0)
    features = np.concatenate([np.asarray(vectors.vectors[train_rows], np.float32), new_vectors])
    codes = np.r_[labels[train_rows], np.full(len(new_vectors), -1)]
    mask = np.r_[np.ones(len(train_rows), bool), np.zeros(len(new_vectors), bool)]
    probs = probe_probabilities(features, codes, mask, len(classes)).probs[len(train_rows) :]
    votes, evidence = knn_votes(neighbour_sims, neighbour_rows, labels, trainable, len(classes))
    weight = KNN_WEIGHT * evidence[:, None]
    probs = (1 - weight) * probs + weight * votes
    if reference is None:
        excluded = np.array([s == EXCLUDED for s in statuses], dtype=bool)
        reference = np.flatnonzero((labels >= 0) & ~excluded)
    # Without the pixel view (the new images have no place in its cache or its probe) and
    # without a trained head (the new images are not scored by it); the predictions of
    # the rows compared only (cached after the first check)
    side = project_side(project, vectors, reference)
    return compare_outputs(
        classes, side.reference_probs, probs, side.eval_confidence, side.eval_correct,
        side.eval_source,
    )  # fmt: skip
