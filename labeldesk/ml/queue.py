"""The labeling queue for a project: unlabeled images worth labeling next.

Uses the project's current predictions (the same the issues list uses, so a training
run or a labeling batch changes the queue too) and a registered query strategy
(:mod:`labeldesk.ml.active`). Never proposes labeled, excluded or skipped images, nor
two copies of one image (identical bytes), nor a copy of a labeled one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from labeldesk.core.vocab import EXCLUDED

from .active import DEFAULT_STRATEGY, make_context, query
from .predictions import project_predictions
from .store import project_vectors

if TYPE_CHECKING:
    from labeldesk.core.project import Project


def labeling_queue(
    project: Project, n: int = 25, strategy: str = DEFAULT_STRATEGY, seed: int = 0
) -> list[dict[str, Any]]:
    """Up to ``n`` images, most useful first: {path, predicted, score}."""
    vectors = project_vectors(project)
    preds = project_predictions(project, vectors=vectors)  # rows line up with vectors
    excluded = np.array([s == EXCLUDED for s in preds.statuses], dtype=bool)
    labels = np.where(excluded, -1, preds.labels)
    enough = preds.meaningful  # else the cold-start strategy, without predictions
    ctx = make_context(
        vectors.vectors,
        labels,
        len(preds.classes),
        candidate_mask=one_per_content(vectors.hashes, (preds.labels < 0) & ~excluded, labels >= 0),
        pred_probs=preds.probs if enough else None,
        fit=False,
        seed=seed,
    )
    result = query(ctx, n, strategy)
    out = []
    for row, score in zip(result.indices, result.scores, strict=True):
        predicted = preds.classes[int(preds.predicted[row])] if enough else None
        out.append({"path": preds.paths[row], "predicted": predicted, "score": float(score)})
    return out


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
