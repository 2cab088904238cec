"""Classification metrics for training reports, and choosing what to evaluate on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from labeldesk.core.display import counted

HOLDOUT_FRACTION = 0.15
HOLDOUT_MIN_IMAGES = 4  # train images a class needs before some are held out
# Fewer images than this to measure a run on, and its accuracy says next to nothing: each
# image right or wrong moves it by more than 10 points (one image: 0 % or 100 %).
MIN_EVAL_IMAGES = 10


def classification_report(
    y_true: np.ndarray, y_pred: np.ndarray, classes: list[str]
) -> dict[str, Any]:
    """Accuracy, per-class precision/recall/support, and the confusion matrix
    (rows: true class, columns: predicted, in ``classes`` order)."""
    n = len(classes)
    matrix = np.zeros((n, n), dtype=np.int64)
    np.add.at(matrix, (y_true, y_pred), 1)
    per_class = {}
    for i, name in enumerate(classes):
        predicted, actual = matrix[:, i].sum(), matrix[i].sum()
        per_class[name] = {
            "precision": float(matrix[i, i] / predicted) if predicted else None,
            "recall": float(matrix[i, i] / actual) if actual else None,
            "support": int(actual),
        }
    return {
        "n": len(y_true),
        "accuracy": float((y_true == y_pred).mean()) if len(y_true) else None,
        "per_class": per_class,
        "confusion": matrix.tolist(),
    }


@dataclass
class EvalSplit:
    train: np.ndarray  # row indices to fit on
    evaluate: np.ndarray  # row indices for validation
    evaluate_name: str  # "val", or "holdout" (a part of train kept aside)
    test: np.ndarray
    warning: str | None = None  # why ``evaluate`` is too small to measure a run, or None


def evaluation_warning(n: int, classes: int, evaluated_on: str) -> str | None:
    """Why ``n`` images (of the val split, or held out of train) cannot measure a model
    of ``classes`` classes, or None.

    Too small is fewer than :data:`MIN_EVAL_IMAGES` images (each one moves accuracy by
    more than 10 points) or fewer images than classes (a class is then not measured at
    all): ``max(10, classes)``. Training goes on; its accuracy is just not evidence."""
    need = max(MIN_EVAL_IMAGES, classes)
    if n >= need:
        return None
    advice = f"label at least {need} val images, some of each class"
    if n == 0:
        return (
            "nothing to measure accuracy on: no labeled val images, and no class has the "
            f"{HOLDOUT_MIN_IMAGES} train images needed to hold some out; {advice}"
        )
    where = "the val split" if evaluated_on == "val" else "the part of train held out"
    unmeasured = "; at least one class has none" if n < classes else ""
    return (
        f"{where} has only {counted(n, 'image')} for {counted(classes, 'class')}, too few to "
        f"measure anything (each image moves accuracy by {100 / n:.0f} points{unmeasured}): "
        f"its accuracy is not evidence; {advice}"
    )


def evaluation_split(
    labels: np.ndarray, splits: list[str | None], usable: np.ndarray, seed: int = 0
) -> EvalSplit:
    """Train on labeled train rows; validate on val, or on a stratified 15 % of train
    when the dataset has no labeled val images; also report test."""
    split = np.array([s or "" for s in splits])
    labeled = usable & (labels >= 0)
    train = np.flatnonzero(labeled & (split == "train"))
    val = np.flatnonzero(labeled & (split == "val"))
    test = np.flatnonzero(labeled & (split == "test"))
    classes = len(np.unique(labels[train]))
    if len(val):
        return EvalSplit(train, val, "val", test, evaluation_warning(len(val), classes, "val"))
    rng = np.random.default_rng(seed)
    keep: list[int] = []
    hold: list[int] = []
    for cls in np.unique(labels[train]):
        rows = rng.permutation(train[labels[train] == cls])
        k = round(len(rows) * HOLDOUT_FRACTION) if len(rows) >= HOLDOUT_MIN_IMAGES else 0
        hold.extend(rows[:k])
        keep.extend(rows[k:])
    return EvalSplit(
        np.sort(np.array(keep, dtype=np.int64)),
        np.sort(np.array(hold, dtype=np.int64)),
        "holdout",
        test,
        evaluation_warning(len(hold), classes, "holdout"),
    )
