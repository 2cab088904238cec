"""Likely mislabels in a project: out-of-sample probabilities scored with confident
learning (:mod:`labeldesk.quality`), most suspicious first, with a suggested label.

Every labeled, non-excluded image is scored: train images out-of-fold, val/test images by
a model fit on train only. Verified images keep their score but are not flagged again
until their label changes (changing a label clears "verified").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .predictions import project_predictions

if TYPE_CHECKING:
    from labeldesk.core.project import Project


@dataclass
class LabelIssue:
    path: str
    label: str
    suggested: str
    score: float
    flagged: bool
    verified: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "label": self.label,
            "suggested": self.suggested,
            "score": round(self.score, 6),
            "flagged": self.flagged,
            "verified": self.verified,
        }


def label_issues(project: Project, *, include_all: bool = False) -> list[LabelIssue]:
    """Flagged images (or with ``include_all`` every labeled one), lowest score first."""
    from labeldesk.quality import find_label_issues, label_quality_scores, suggested_labels

    preds = project_predictions(project)
    rows = np.flatnonzero(
        (preds.labels >= 0) & np.array([s != "excluded" for s in preds.statuses], dtype=bool)
    )
    if len(rows) == 0 or len(preds.classes) < 2:
        return []
    labels, probs = preds.labels[rows], preds.probs[rows]
    scores = label_quality_scores(labels, probs)
    flagged = find_label_issues(labels, probs)
    suggested = suggested_labels(labels, probs)
    verified = np.array([preds.statuses[r] == "verified" for r in rows], dtype=bool)
    flagged &= ~verified
    order = np.argsort(scores, kind="stable")
    out = []
    for k in order:
        if not include_all and not flagged[k]:
            continue
        out.append(
            LabelIssue(
                path=preds.paths[rows[k]],
                label=preds.classes[labels[k]],
                suggested=preds.classes[suggested[k]],
                score=float(scores[k]),
                flagged=bool(flagged[k]),
                verified=bool(verified[k]),
            )
        )
    return out
