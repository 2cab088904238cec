"""Likely mislabels in a project: out-of-sample probabilities scored with confident
learning (:mod:`labeldesk.quality`), most suspicious first, with a suggested label.

Every labeled, non-excluded image is scored: train images out-of-fold, val/test images by
a model fit on train only. Verified images keep their score but are not flagged again
until their label changes (changing a label clears "verified").

Some labels cannot be judged yet, and are listed (``--all``, last) without a score (NaN
here; 1 in JSON and the notebook API, the contract's [0, 1], with ``"judged": false``),
suggestion or flag: while fewer than two classes have trainable labels; when the label's
class has fewer than ``MIN_LABELS_TO_JUDGE`` trainable labels (the first label of a new
class: no fold's model has seen its class, so it would always look wrong); and for a
train image no fold could predict (see :mod:`labeldesk.ml.probe`), whose prediction saw
its own label; and rows the predictions mark ``unjudgeable`` (an image a cross-fit could
not read, :mod:`labeldesk.ml.crossfit`).

How many are flagged: confident learning's count extrapolated by ambiguity, with only
clear disagreements as evidence (``clear_ambiguity``). The project's model is a linear
probe and a kNN vote on frozen embeddings, often fit on a few hundred labels; on
look-alike classes it disagrees with many correct labels, and the calibrated counts took
those close calls for errors (86 flags for the sample's 12 planted errors); counting only
the clear ones (``clear``) missed half the human errors of CIFAR-10N.
benchmarks/bench_label_suite.py measures it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from labeldesk.core.vocab import EXCLUDED, VERIFIED

from .predictions import Predictions, project_predictions, training_mask

if TYPE_CHECKING:
    from labeldesk.core.project import Project


# Trainable labels a class needs before its labels are judged: one held out, one learned.
MIN_LABELS_TO_JUDGE = 2


@dataclass
class LabelIssue:
    path: str
    label: str
    suggested: str | None  # None (and score NaN): too few labels to judge yet
    score: float  # label quality in [0, 1], low = likely wrong; NaN when not judged
    flagged: bool
    verified: bool
    split: str | None = None  # train / val / test (labeled without a split: train)

    def to_json(self) -> dict[str, Any]:
        # The CLI contract (../shared/DESIGN.md) keeps every score in [0, 1], ascending:
        # a label not judged yet scores 1 (nothing speaks against it), listed last, and
        # says so in "judged".
        judged = not np.isnan(self.score)
        return {
            "path": self.path,
            "label": self.label,
            "split": self.split,
            "suggested": self.suggested,
            "score": round(self.score, 6) if judged else 1.0,
            "flagged": self.flagged,
            "verified": self.verified,
            "judged": judged,
        }


@dataclass
class LabelScores:
    """Label-quality results for the scored rows of a :class:`Predictions`."""

    rows: np.ndarray  # row numbers into the predictions (labeled, not excluded)
    scores: np.ndarray  # label quality, low = likely wrong
    flagged: np.ndarray  # bool: a likely mislabel (never a verified image)
    suggested: np.ndarray  # class index the model would give
    verified: np.ndarray  # bool
    # How many of the scored labels are likely wrong (the flag count tracks it); the UI
    # says "about N likely wrong".
    expected_errors: int = 0
    # Labeled, non-excluded rows left unscored: too few labels to judge them (module doc).
    unjudged: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # bool, like ``rows``: the labels counted in ``expected_errors`` (verified ones too),
    # so the estimate can be told for part of the project (a split): its sum.
    counted: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))


# How the project counts likely errors (see the module doc and
# confident.ambiguity_calibrated_count).
COUNT_METHOD = "clear_ambiguity"


def score_labels(preds: Predictions) -> LabelScores:
    """Score every labeled, non-excluded row of ``preds`` with confident learning."""
    from .quality import find_label_issues, label_quality_scores, suggested_labels

    listed = (preds.labels >= 0) & np.array([s != EXCLUDED for s in preds.statuses], dtype=bool)
    judged = listed & judgeable(preds)
    rows, unjudged = np.flatnonzero(judged), np.flatnonzero(listed & ~judged)
    if len(rows) == 0:
        empty = np.zeros(0, dtype=np.int64)
        none = empty.astype(bool)
        return LabelScores(empty, np.zeros(0), none, empty, none, unjudged=unjudged)
    labels, probs = preds.labels[rows], preds.probs[rows]
    verified = np.array([preds.statuses[r] == VERIFIED for r in rows], dtype=bool)
    flagged = find_label_issues(labels, probs, count_method=COUNT_METHOD)
    return LabelScores(
        rows=rows,
        scores=label_quality_scores(labels, probs),
        flagged=flagged & ~verified,
        suggested=suggested_labels(labels, probs),
        verified=verified,
        expected_errors=int(flagged.sum()),
        unjudged=unjudged,
        counted=np.asarray(flagged, dtype=bool),
    )


def judgeable(preds: Predictions) -> np.ndarray:
    """Boolean mask: labeled rows whose label the predictions can judge (module doc)."""
    if not preds.meaningful:
        return np.zeros(len(preds.labels), dtype=bool)
    trainable = training_mask(preds.labels, preds.splits, preds.statuses)
    counts = np.bincount(preds.labels[trainable], minlength=len(preds.classes))
    enough = counts[preds.labels.clip(0)] >= MIN_LABELS_TO_JUDGE
    in_sample = trainable & ~preds.out_of_fold  # its prediction saw its own label
    judged = (preds.labels >= 0) & enough & ~in_sample
    return judged if preds.unjudgeable is None else judged & ~preds.unjudgeable


def label_issues(
    project: Project, *, include_all: bool = False, preds: Predictions | None = None
) -> list[LabelIssue]:
    """Flagged images (or with ``include_all`` every labeled one), lowest score first;
    from ``preds`` when given, else from the project's predictions."""
    preds = preds or project_predictions(project)
    return [issue for _, issue in ranked_issues(preds, score_labels(preds), include_all)]


def ranked_issues(
    preds: Predictions, scored: LabelScores, include_all: bool = False
) -> list[tuple[int, LabelIssue]]:
    """(row in ``preds``, issue) for the flagged labels (or every listed one, the
    unjudged last), lowest score first: the one ranking the CLI, the notebook API and the
    review all show."""
    out = []
    for k in np.argsort(scored.scores, kind="stable"):
        if not include_all and not scored.flagged[k]:
            continue
        row = int(scored.rows[k])
        issue = LabelIssue(
            path=preds.paths[row],
            label=preds.classes[preds.labels[row]],
            suggested=preds.classes[scored.suggested[k]],
            score=float(scored.scores[k]),
            flagged=bool(scored.flagged[k]),
            verified=bool(scored.verified[k]),
            split=preds.splits[row],
        )
        out.append((row, issue))
    if include_all:
        for row in scored.unjudged.tolist():
            label = preds.classes[preds.labels[row]]
            verified = preds.statuses[row] == VERIFIED
            split = preds.splits[row]
            issue = LabelIssue(preds.paths[row], label, None, np.nan, False, verified, split)
            out.append((row, issue))
    return out
