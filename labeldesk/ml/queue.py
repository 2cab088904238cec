"""The labeling queue for a project: unlabeled images worth labeling next.

Uses the project's current predictions (the same the issues list uses, so a training
run or a labeling batch changes the queue too) and a registered query strategy
(:mod:`labeldesk.ml.active`). Never proposes labeled, excluded or skipped images, nor
two copies of one image (identical bytes), nor a copy of a labeled one.

The queue exists to improve the model, and the model learns only from train labels
(:func:`~labeldesk.ml.predictions.training_mask`), so by default it draws only from
images whose label it will learn from: the train split, and images outside any split
folder (labeled, they are train). Val and test images are offered only when asked
(``all_splits``); otherwise they are counted (:attr:`LabelingQueue.held_out`), so the
CLI and the app can say why the queue is short or empty.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from labeldesk.core.vocab import EXCLUDED

from .active import DEFAULT_STRATEGY, make_context, query
from .predictions import (
    Predictions,
    meaningful,
    predictions_if_cached,
    project_predictions,
    training_mask,
)
from .row_labels import RowLabels, row_labels
from .store import ProjectVectors, mapped_project_vectors, project_vectors

if TYPE_CHECKING:
    from labeldesk.core.progress import CancelToken
    from labeldesk.core.project import Project

# The splits of unlabeled images whose labels train the model: an image outside any split
# folder has none until it is labeled, and is train then (core.vocab.EFFECTIVE_SPLIT).
TRAINING_SPLITS = (None, "train")


@dataclass(frozen=True)
class LabelingQueue:
    """The queue's rows ({path, predicted, score}, most useful first) and, per split,
    how many unlabeled images it left out because their labels train nothing (val, test;
    empty when every split was asked for)."""

    rows: list[dict[str, Any]]
    held_out: dict[str, int] = field(default_factory=dict)


def labeling_queue(
    project: Project,
    n: int = 25,
    strategy: str = DEFAULT_STRATEGY,
    seed: int = 0,
    *,
    all_splits: bool = False,
) -> list[dict[str, Any]]:
    """Up to ``n`` images, most useful first: {path, predicted, score}; only images whose
    label the model learns from unless ``all_splits``."""
    return next_to_label(project, n, strategy, seed, all_splits=all_splits).rows


def next_to_label(
    project: Project,
    n: int = 25,
    strategy: str = DEFAULT_STRATEGY,
    seed: int = 0,
    *,
    all_splits: bool = False,
    cancel: CancelToken | None = None,
) -> LabelingQueue:
    """:func:`labeling_queue` with the count of the val and test images it left out.

    The strategy sees the labels the model learns from (train) as what is known: a
    labeled test image teaches the model nothing, so its region is not covered for it.
    With ``all_splits`` every label counts and every unlabeled image is a candidate.
    ``cancel``: as :func:`~labeldesk.ml.predictions.project_predictions`' (predictions
    not made yet), and checked between the strategy's steps (Cancelled once set)."""
    # The strategies read a few thousand rows (typiclust a sample of 50,000 at most): the
    # store's rows as they are indexed, not every vector as float32 (0.5 GB at 100k
    # images). Only predictions not made yet need every vector, and the cold start
    # (labels of fewer than two classes to learn from) needs no prediction at all.
    vectors = mapped_project_vectors(project)
    preds = predictions_if_cached(project, vectors)
    if preds is None:
        state = row_labels(project, vectors)
        if not meaningful(state.labels, state.splits, state.statuses):
            return _chosen(vectors, state, None, n, strategy, seed, all_splits, cancel)
        vectors = project_vectors(project)
        preds = project_predictions(project, vectors=vectors, cancel=cancel)  # rows line up
    return _chosen(vectors, preds, preds, n, strategy, seed, all_splits, cancel)


def _chosen(
    vectors: ProjectVectors,
    state: RowLabels | Predictions,
    preds: Predictions | None,
    n: int,
    strategy: str,
    seed: int,
    all_splits: bool,
    cancel: CancelToken | None = None,
) -> LabelingQueue:
    """The queue from the rows' label ``state`` and their predictions (None: the cold
    start, which chooses without any); ``cancel`` checked between the strategy's steps."""
    excluded = np.array([s == EXCLUDED for s in state.statuses], dtype=bool)
    labels = np.where(excluded, -1, state.labels)
    unlabeled = (state.labels < 0) & ~excluded
    trains = np.array([s in TRAINING_SPLITS for s in state.splits], dtype=bool)
    if all_splits:
        known, pool, held_out = labels, unlabeled, {}
    else:
        known = np.where(training_mask(state.labels, state.splits, state.statuses), labels, -1)
        pool = unlabeled & trains
        left = one_per_content(vectors.hashes, unlabeled & ~trains, labels >= 0)
        held_out = dict(Counter(str(state.splits[i]) for i in np.flatnonzero(left)))
    enough = preds is not None and preds.meaningful  # else the cold-start strategy
    ctx = make_context(
        vectors.vectors,
        known,
        len(state.classes),
        candidate_mask=one_per_content(vectors.hashes, pool, labels >= 0),
        pred_probs=preds.probs if preds is not None and enough else None,
        fit=False,
        seed=seed,
        cancel=cancel,
    )
    result = query(ctx, n, strategy)
    out = []
    for row, score in zip(result.indices, result.scores, strict=True):
        predicted = (
            preds.classes[int(preds.predicted[row])] if preds is not None and enough else None
        )
        shown = {"path": vectors.paths[row], "split": vectors.splits[row]}
        out.append(shown | {"predicted": predicted, "score": float(score)})
    return LabelingQueue(out, held_out)


def held_out_text(held_out: dict[str, int]) -> str:
    """'12 images in test and 3 in val': the unlabeled images the queue left out, the
    largest count first."""
    parts = sorted(held_out.items(), key=lambda kv: (-kv[1], kv[0]))
    words = [f"{count:,} in {split}" for split, count in parts]
    if words:
        first = parts[0][1]
        words[0] = f"{first:,} image{'' if first == 1 else 's'} in {parts[0][0]}"
    return " and ".join(words)


def one_per_content(hashes: list[str], candidates: np.ndarray, labeled: np.ndarray) -> np.ndarray:
    """``candidates`` with one image of identical bytes left: labeling a copy teaches
    nothing its twin does not, and a copy of a labeled image (``labeled``, in use) nothing
    at all. A copy of an excluded image stays (the one kept of a duplicate group)."""
    keep = candidates.copy()
    seen = {h for h, known in zip(hashes, labeled, strict=True) if known}
    for i in np.flatnonzero(candidates):
        if hashes[i] in seen:
            keep[i] = False
        seen.add(hashes[i])
    return keep
