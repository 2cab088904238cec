"""Classification metrics for training reports, and choosing what to evaluate on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

HOLDOUT_FRACTION = 0.15


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
    if len(val):
        return EvalSplit(train, val, "val", test)
    rng = np.random.default_rng(seed)
    keep: list[int] = []
    hold: list[int] = []
    for cls in np.unique(labels[train]):
        rows = rng.permutation(train[labels[train] == cls])
        k = round(len(rows) * HOLDOUT_FRACTION) if len(rows) >= 4 else 0
        hold.extend(rows[:k])
        keep.extend(rows[k:])
    return EvalSplit(
        np.sort(np.array(keep, dtype=np.int64)),
        np.sort(np.array(hold, dtype=np.int64)),
        "holdout",
        test,
    )
