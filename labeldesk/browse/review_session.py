"""The state of one review pass, without widgets: which image is shown, what was decided,
and how each key maps onto one core call.

Two sources share it: "issues" (likely mislabels, from :func:`labeldesk.ml.issues.label_issues`)
and "queue" (unlabeled images worth labeling, from :func:`labeldesk.ml.queue.labeling_queue`).
Every action calls core and returns only after the change is committed; the session then
moves to the next undecided image. Qt-free, so it is easy to test and to reuse.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from labeldesk.core import review
from labeldesk.core.errors import NothingToUndoError

if TYPE_CHECKING:
    from labeldesk.core.changes import Changes
    from labeldesk.core.project import Project

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


@dataclass(frozen=True)
class Decision:
    path: str
    action: str  # accept, relabel, keep, skip, exclude
    batch: int | None  # the batch it recorded (None: nothing changed), which undo reverts

    @property
    def wrote(self) -> bool:
        return self.batch is not None


@dataclass(frozen=True)
class ReviewList:
    """What a review pass starts from: its items, and for issues how many labels the
    model expects to be wrong ("about N likely wrong")."""

    items: list[ReviewItem]
    expected_errors: int | None = None


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


class ReviewSession:
    def __init__(
        self,
        project: Project,
        source: Source,
        items: Sequence[ReviewItem],
        refresh_every: int = QUEUE_REFRESH_EVERY,
        touched: set[str] | None = None,
    ):
        self.project = project
        # Paths this session wrote to (undone ones too): the browser re-reads just these.
        self.touched: set[str] = touched if touched is not None else set()
        self.source: Source = source
        self.items = list(items)
        self.index = 0
        self.decisions: dict[str, str] = {}
        self._done: list[Decision] = []
        self.labels_since_refresh = 0
        self.refresh_every = refresh_every  # queue: labels between two refreshes

    # -- reading -------------------------------------------------------------------
    @property
    def current(self) -> ReviewItem | None:
        return self.items[self.index] if 0 <= self.index < len(self.items) else None

    @property
    def reviewed(self) -> int:
        return len(self.decisions)

    @property
    def remaining(self) -> int:
        return sum(1 for item in self.items if item.path not in self.decisions)

    @property
    def finished(self) -> bool:
        return self.current is None

    @property
    def needs_refresh(self) -> bool:
        return self.source == "queue" and self.labels_since_refresh >= self.refresh_every

    def upcoming(self, k: int) -> list[str]:
        """The paths of the next ``k`` undecided images after the current one."""
        after = self.items[self.index + 1 :]
        return [item.path for item in after if item.path not in self.decisions][:k]

    def skipped(self) -> set[str]:
        """Images passed over in this session (queue: Space), to leave out of a refresh."""
        return {path for path, action in self.decisions.items() if action == "skip"}

    def counter_text(self) -> str:
        return f"reviewed {self.reviewed} / remaining {self.remaining}"

    def place_text(self) -> str:
        """Where the current image stands in the list ("3 of 25")."""
        return f"{self.index + 1:,} of {len(self.items):,}" if self.current else ""

    # -- actions (each one core call, committed before the session moves on) --------
    def accept(self) -> str:
        """Issues: take the suggestion. Queue: label with the prediction."""
        item = self._require()
        if item.suggested is None:
            return "No prediction for this image yet: press a number to label it"
        batch = review.accept(self.project, item.path, item.suggested)  # source "suggestion"
        if self.source == "queue":
            self.labels_since_refresh += 1
        self._decide(item, "accept", batch)
        return f"{item.path} → {item.suggested}"

    def assign(self, label: str) -> str:
        """Label the current image with ``label`` (a person's choice)."""
        item = self._require()
        if self.source == "issues":
            batch = review.relabel(self.project, item.path, label)
        else:
            batch = self.project.set_label(item.path, label)
            self.labels_since_refresh += 1
        self._decide(item, "relabel", batch)
        return f"{item.path} → {label}"

    def keep(self) -> str:
        """Issues: the label is right (verified). Queue: skip this image for now."""
        item = self._require()
        if self.source == "issues":
            batch = review.keep(self.project, item.path)
            self._decide(item, "keep", batch)
            return f"Kept {item.label} for {item.path}"
        self._decide(item, "skip", None)
        return f"Skipped {item.path}"

    def exclude(self) -> str:
        item = self._require()
        batch = review.exclude(self.project, item.path)
        self._decide(item, "exclude", batch)
        return f"Excluded {item.path}"

    def undo(self) -> str:
        """Revert the last decision of this session and show its image again."""
        if not self._done:
            return "Nothing to undo in this review"
        last = self._done[-1]
        if last.batch is not None:
            with contextlib.suppress(NothingToUndoError):  # undone elsewhere: still step back
                self.project.undo(last.batch)
        self._done.pop()
        self.decisions.pop(last.path, None)
        if self.source == "queue" and last.action in ("accept", "relabel"):
            self.labels_since_refresh = max(0, self.labels_since_refresh - 1)
        self.index = self._position(last.path)
        return f"Undid {last.action} of {last.path}"

    def move(self, step: int) -> None:
        if self.items:
            self.index = min(max(self.index + step, 0), len(self.items) - 1)

    def replace_upcoming(self, items: Sequence[ReviewItem]) -> None:
        """Swap in a fresh list after what was shown or decided; the current image stays."""
        decided = [n for n, it in enumerate(self.items) if it.path in self.decisions]
        keep_until = max([self.index, *decided]) + 1 if self.items else 0
        kept = self.items[:keep_until]
        seen = {item.path for item in kept}
        self.items = kept + [item for item in items if item.path not in seen]
        self.labels_since_refresh = 0

    # -- plumbing ------------------------------------------------------------------
    def _require(self) -> ReviewItem:
        item = self.current
        if item is None:
            raise IndexError("the review is finished")
        return item

    def _decide(self, item: ReviewItem, action: str, written: Changes | None) -> None:
        batch = written.batch_id if written is not None else None
        if batch is not None:
            self.touched.add(item.path)
        self.decisions[item.path] = action
        self._done.append(Decision(item.path, action, batch))
        self._advance()

    def _advance(self) -> None:
        """To the next undecided image after this one, then from the start; else done."""
        n = len(self.items)
        for offset in range(1, n + 1):
            candidate = (self.index + offset) % n
            if self.items[candidate].path not in self.decisions:
                self.index = candidate
                return
        self.index = n

    def _position(self, path: str) -> int:
        for n, item in enumerate(self.items):
            if item.path == path:
                return n
        return min(self.index, len(self.items) - 1)
