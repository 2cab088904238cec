"""What a review pass is made of, without widgets: its items (:class:`ReviewItem`), the
decisions taken (:class:`Decision`), the list a pass starts from (:class:`ReviewList`)
and its two sources' names. Used by :mod:`~labeldesk.browse.review_session` and the
lists that feed it (:mod:`~labeldesk.browse.review_lists`); Qt-free."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Source = Literal["issues", "queue"]
QUEUE_SIZE = 25
QUEUE_REFRESH_EVERY = 10  # default labels between two background refreshes of the queue


@dataclass(frozen=True)
class ReviewItem:
    path: str
    label: str | None  # the given label (None in the queue: unlabeled)
    suggested: str | None  # the suggestion (issues) or the prediction (queue)
    score: float
    # The model's probability of ``suggested`` (de-noised for issues, see
    # labeldesk.ml.insights.model_guesses); NaN when unknown.
    confidence: float = float("nan")
    # The content hash the suggestion was made for (set when the pass first meets the
    # item): a file a rescan finds edited or replaced in place loses its suggestion.
    content: str | None = None
    # The label ``score`` is the fit of (issues: the label when the pass was made; None:
    # not known). A decision, or a change elsewhere, leaves ``score`` as it was scored.
    scored_label: str | None = None


@dataclass(frozen=True)
class Decision:
    path: str
    action: str  # accept, relabel, keep, skip, exclude
    batch: int | None  # the batch it recorded (None: nothing changed), which undo reverts
    image_id: int = -1  # the image, wherever a rescan moves it
    label: str | None = None  # the image's label after it

    def words(self, path: str) -> str:
        """What the decision did, as its key said it ("x.png → coat", "kept coat for
        x.png", "skipped x.png"), for an undo or a redo to say what it took back or made
        again ("Undid relabel of x.png" named no label, and "relabel" an image that had
        none)."""
        if self.action in ("accept", "relabel") and self.label is not None:
            return f"{path} → {self.label}"
        if self.action == "keep":
            return f"kept {self.label} for {path}"
        done = {"skip": "skipped", "exclude": "excluded"}.get(self.action, self.action)
        return f"{done} {path}"


@dataclass(frozen=True)
class ReviewList:
    """What a review pass starts from: its items, and for issues how many labels the
    model expects to be wrong ("about N likely wrong")."""

    items: list[ReviewItem]
    expected_errors: int | None = None
    pixel_share: float = 0.0  # the pixel view's share in the predictions (issues)
    # queue: unlabeled images left out for their split, per split (their labels would not
    # train the model; labeldesk.ml.queue.LabelingQueue.held_out)
    held_out: dict[str, int] = field(default_factory=dict)


def items_from_queue(
    rows: Iterable[dict[str, Any]], confidence: Mapping[str, float] | None = None
) -> list[ReviewItem]:
    known = confidence or {}
    return [
        ReviewItem(
            r["path"],
            None,
            r.get("predicted"),
            float(r["score"]),
            known.get(r["path"], float("nan")),
        )
        for r in rows
    ]
