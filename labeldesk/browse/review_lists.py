"""The lists a review pass starts from, computed from the project's current predictions:
the likely mislabels ("issues") and the unlabeled images worth labeling next ("queue").

Qt-free: the review view runs these in a background job (:mod:`labeldesk.gui.review_jobs`)
and tests call them directly.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from labeldesk.browse.review_records import (
    QUEUE_SIZE,
    ReviewItem,
    ReviewList,
    Source,
    items_from_queue,
)

if TYPE_CHECKING:
    from labeldesk.core.progress import CancelToken
    from labeldesk.core.project import Project
    from labeldesk.ml.predictions import Predictions

NO_EMBEDDINGS = (
    "This project has no embeddings yet, so there is nothing to review. "
    "Run Tools → Compute embeddings first, then try again."
)


def no_embeddings_text(project: Project) -> str:
    """Why there is nothing to review without embeddings, and what to do: compute them,
    or, on a read-only project (where Compute embeddings is greyed out), what its note on
    opening said to do."""
    if project.read_only is None:
        return NO_EMBEDDINGS
    from labeldesk.core.read_only_db import read_only_advice

    return (
        "This project has no embeddings yet, so there is nothing to review, and it is "
        f"read-only, so they cannot be computed here: {read_only_advice(project.read_only)}."
    )


NO_CROSSFIT = (
    "The cross-fitted features do not cover every embedded image (images were added or "
    "re-embedded since the fit). Choose Review → Cross-fit and review mislabels…, then "
    "Fit now."
)


def compute_items(
    project: Project,
    source: Source,
    skipped: Collection[str] = (),
    preds: Predictions | None = None,
    *,
    crossfit: bool = False,
    all_splits: bool = False,
    cancel: CancelToken | None = None,
) -> ReviewList:
    """The items to review for ``source``; without embeddings, a message that says why.
    The queue leaves out ``skipped`` (unlabeled images the person passed over) and still
    holds up to QUEUE_SIZE others; only images whose label trains the model unless
    ``all_splits`` (:func:`labeldesk.ml.queue.next_to_label`). ``preds``: the project's
    current predictions, when the caller has them already; ``crossfit``: scored on the
    cached cross-fit (:mod:`labeldesk.ml.crossfit`), which must cover every embedded
    image. ``cancel``: Cancelled when set; the predictions stop between their steps and
    folds unless another job (the browser's scores) waits for them too, and are cached
    only when finished (:func:`labeldesk.ml.predictions.project_predictions`)."""
    from labeldesk.core.errors import LabelDeskError
    from labeldesk.ml.errors import NoEmbeddings
    from labeldesk.ml.predictions import quick_predictions

    try:
        if crossfit:
            from labeldesk.ml.crossfit import cached_predictions

            preds = cached_predictions(project)
            if preds is None:
                raise LabelDeskError(NO_CROSSFIT)
        preds = preds or quick_predictions(project, cancel)  # no vector read when cached
        stop_if_cancelled(cancel)
        if source == "issues":
            return issue_items(preds)
        from labeldesk.ml.queue import next_to_label

        found = next_to_label(
            project, n=QUEUE_SIZE + len(skipped), all_splits=all_splits, cancel=cancel
        )
        queue = found.rows
        row_of = {path: row for row, path in enumerate(preds.paths)}
        confidence = {
            r["path"]: float(preds.confidence[row_of[r["path"]]])
            for r in queue
            if r["path"] in row_of and r.get("predicted") is not None
        }
        items = items_from_queue(queue, confidence)
        kept = [item for item in items if item.path not in skipped]
        return ReviewList(kept, held_out=found.held_out)
    except NoEmbeddings as exc:
        raise NoEmbeddings(no_embeddings_text(project)) from exc


def issue_items(preds: Predictions) -> ReviewList:
    """The flagged labels, lowest score first (as :func:`labeldesk.ml.issues.label_issues`
    lists them), each with what the model thinks the image is and how sure it is."""
    from labeldesk.ml.insights import model_guesses
    from labeldesk.ml.issues import ranked_issues, score_labels

    scored = score_labels(preds)
    _, confidence = model_guesses(preds, scored)
    items = [
        ReviewItem(
            path=issue.path,
            label=issue.label,
            suggested=issue.suggested,
            score=issue.score,
            confidence=float(confidence[row]),
            scored_label=issue.label,
        )
        for row, issue in ranked_issues(preds, scored)
    ]
    return ReviewList(items, int(scored.expected_errors), float(preds.pixel_share))


@dataclass(frozen=True)
class QueueRefresh:
    items: list[ReviewItem]
    fitted_on: int  # labels the model was refit on before the queue was recomputed
    held_out: dict[str, int] = field(default_factory=dict)  # as ReviewList.held_out


def stop_if_cancelled(cancel: CancelToken | None) -> None:
    """Cancelled (nothing more computed) when ``cancel`` was set: the review page that
    asked for the list was left."""
    from labeldesk.core.errors import Cancelled

    if cancel is not None and cancel.cancelled:
        raise Cancelled("the review page was left: its list is not needed")


def refresh_queue_items(
    project: Project,
    skipped: Collection[str] = (),
    *,
    all_splits: bool = False,
    cancel: CancelToken | None = None,
) -> QueueRefresh:
    """Refit the model on the current labels, then compute the queue from its predictions
    (val and test images too with ``all_splits``).

    The predictions are cached by label state, so the queue computation reuses this fit.
    ``cancel``: as :func:`compute_items`'s.
    """
    from labeldesk.ml.errors import NoEmbeddings
    from labeldesk.ml.predictions import quick_predictions, training_mask

    try:
        preds = quick_predictions(project, cancel)  # computed (every vector read) if not cached
    except NoEmbeddings as exc:
        raise NoEmbeddings(no_embeddings_text(project)) from exc
    fitted_on = int(training_mask(preds.labels, preds.splits, preds.statuses).sum())
    found = compute_items(project, "queue", skipped, preds, all_splits=all_splits, cancel=cancel)
    return QueueRefresh(found.items, fitted_on, found.held_out)
