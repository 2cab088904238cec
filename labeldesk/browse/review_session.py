"""The state of one review pass, without widgets: which image is shown, what was decided,
and how each key maps onto one core call.

Two sources share it: "issues" (likely mislabels, from :func:`labeldesk.ml.issues.label_issues`)
and "queue" (unlabeled images worth labeling, from :func:`labeldesk.ml.queue.labeling_queue`).
Every action calls core and returns only after the change is committed; the session then
moves to the next undecided image. Qt-free, so it is easy to test and to reuse.

A rescan may move or remove an image while the pass is open: :meth:`ReviewSession.follow_scan`
(called by the view after each scan, and by an action that finds its image missing)
follows moved images to their new path by image id and drops removed ones, counted as
gone, so the pass still finishes.

Its parts: the items and decisions (:mod:`.review_records`), the undo and redo of its
decisions (:mod:`.review_undo`, a mixin) and its following of a rescan or a class change
(:mod:`.review_rescan`, a mixin); here the reading, the actions and their plumbing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from labeldesk.browse.review_records import (
    QUEUE_REFRESH_EVERY,
    Decision,
    ReviewItem,
    Source,
)
from labeldesk.browse.review_rescan import ReviewRescan
from labeldesk.browse.review_undo import ReviewUndo
from labeldesk.core import review
from labeldesk.core.display import quoted_names, shown_path
from labeldesk.core.errors import LabelChangedError, UnknownPathError

if TYPE_CHECKING:
    from labeldesk.core.changes import Changes
    from labeldesk.core.project import Project


class ReviewSession(ReviewUndo, ReviewRescan):
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
        self._done: list[Decision] = []
        self._undone: list[Decision] = []  # what this pass's undo took back, for redo
        self.labels_since_refresh = 0
        self.refresh_every = refresh_every  # queue: labels between two refreshes
        # Images are known by id, which a rescan keeps when a file moves; paths may change.
        self._ids: dict[str, int] = {}  # path -> id, for the items of the pass
        self._paths: dict[int, str] = {}  # id -> its latest path (a gone one: its last)
        self._decided: dict[int, str] = {}  # id -> action
        self.gone: list[str] = []  # undecided images a rescan removed: out of the pass
        self._gone: set[str] = set()  # the same, to look up
        self._class_names: list[str] | None = None  # the classes at the last look
        self.follow_scan()

    # -- reading -------------------------------------------------------------------
    @property
    def current(self) -> ReviewItem | None:
        return self.items[self.index] if 0 <= self.index < len(self.items) else None

    @property
    def decisions(self) -> dict[str, str]:
        """What was decided, by path (a gone image under its last path)."""
        return {self._paths[i]: action for i, action in self._decided.items()}

    def decided(self, item: ReviewItem) -> str | None:
        image_id = self._ids.get(item.path)
        return self._decided.get(image_id) if image_id is not None else None

    @property
    def reviewed(self) -> int:
        return len(self._decided)

    @property
    def remaining(self) -> int:
        return sum(1 for item in self.items if self.decided(item) is None)

    @property
    def finished(self) -> bool:
        return self.current is None

    @property
    def needs_refresh(self) -> bool:
        return self.source == "queue" and self.labels_since_refresh >= self.refresh_every

    def upcoming(self, k: int) -> list[str]:
        """The paths of the next ``k`` undecided images after the current one."""
        after = self.items[self.index + 1 :]
        return [item.path for item in after if self.decided(item) is None][:k]

    def skipped(self) -> set[str]:
        """Images passed over in this session (queue: Space), to leave out of a refresh."""
        return {path for path, action in self.decisions.items() if action == "skip"}

    def counter_text(self) -> str:
        """The header's count, "reviewed 3 / remaining 37"; the queue's in its own
        words, "labeled 2 · skipped 1 / remaining 22" (nothing is reviewed there)."""
        gone = f" · {len(self.gone):,} gone from the folder" if self.gone else ""
        done = f"reviewed {self.reviewed}"
        if self.source == "queue":
            actions = list(self._decided.values())
            labeled = sum(action in ("accept", "relabel") for action in actions)
            counts = (("skipped", actions.count("skip")), ("excluded", actions.count("exclude")))
            done = " · ".join([f"labeled {labeled}"] + [f"{w} {n}" for w, n in counts if n])
        return f"{done} / remaining {self.remaining}{gone}"

    def place_text(self) -> str:
        """Where the current image stands in the list ("3 of 25")."""
        return f"{self.index + 1:,} of {len(self.items):,}" if self.current else ""

    # -- actions (each one core call, committed before the session moves on) --------
    def accept(self) -> str:
        """Issues: take the suggestion. Queue: label with the prediction."""
        return self._on_current(self._accept)

    def _accept(self, item: ReviewItem) -> str:
        if item.suggested is None:
            return "No prediction for this image yet: press a number to label it"
        # source "suggestion"; refused if the label is no longer the one on screen
        batch = review.accept(
            self.project, item.path, item.suggested, shown=item.label, image_id=self._id(item)
        )
        if self.source == "queue":
            self.labels_since_refresh += 1
        self._decide(item, "accept", batch, item.suggested)
        return f"{item.path} → {item.suggested}"

    def assign(self, label: str) -> str:
        """Label the current image with ``label`` (a person's choice): marked verified,
        as the issues' relabel and the queue's Enter are."""
        return self._on_current(lambda item: self._assign(item, label))

    def _assign(self, item: ReviewItem, label: str) -> str:
        if self.source == "issues":
            batch = review.relabel(
                self.project, item.path, label, shown=item.label, image_id=self._id(item)
            )
        else:  # a person looked at this one image and chose its class: verified, as
            # Enter's accepted guess is (a label from the browser's grid, often given to
            # many images at once, or from a file, is not)
            batch = self.project.set_labels(
                {item.path: label},
                # the class named, as the browser's keys and the review's relabel do: Edit
                # → Undo and the history said "label _unlabeled/x.png", as what?
                description=f"label {shown_path(item.path)} as {quoted_names([label])}",
                verify=True,
                expect={item.path: item.label},
                shown_ids=self._seen(item),
            )
            self.labels_since_refresh += 1
        self._decide(item, "relabel", batch, label)
        return f"{item.path} → {label}"

    def keep(self) -> str:
        """Issues: the label is right (verified). Queue: skip this image for now."""
        return self._on_current(self._keep)

    def _keep(self, item: ReviewItem) -> str:
        if self.source == "issues":
            batch = review.keep(self.project, item.path, shown=item.label, image_id=self._id(item))
            self._decide(item, "keep", batch, item.label)
            return f"Kept {item.label} for {item.path}"
        self._decide(item, "skip", None)
        return f"Skipped {item.path}"

    def exclude(self) -> str:
        return self._on_current(self._exclude)

    def _exclude(self, item: ReviewItem) -> str:
        batch = review.exclude(self.project, item.path, image_id=self._id(item))
        self._decide(item, "exclude", batch, item.label)
        return f"Excluded {item.path}"

    def move(self, step: int) -> None:
        if self.items:
            self.index = min(max(self.index + step, 0), len(self.items) - 1)

    def replace_upcoming(self, items: Sequence[ReviewItem]) -> None:
        """Swap in a fresh list after what was shown or decided; the current image stays."""
        decided = [n for n, it in enumerate(self.items) if self.decided(it) is not None]
        keep_until = max([self.index, *decided]) + 1 if self.items else 0
        kept = self.items[:keep_until]
        seen = {item.path for item in kept}
        self.items = kept + [item for item in items if item.path not in seen]
        self.labels_since_refresh = 0
        self.follow_scan()  # the fresh list may predate a scan

    # -- plumbing ------------------------------------------------------------------
    def _id(self, item: ReviewItem) -> int | None:
        """The image shown as ``item`` (None: not found when the pass began)."""
        return self._ids.get(item.path)

    def _seen(self, item: ReviewItem) -> dict[str, int] | None:
        image_id = self._id(item)
        return None if image_id is None else {item.path: image_id}

    def _on_current(self, act: Callable[[ReviewItem], str]) -> str:
        """Run ``act`` on the image on screen. Its file gone (a rescan since): follow a
        move and act at the new path, or drop it from the pass and say so."""
        item = self.current
        if item is None:
            raise IndexError("the review is finished")
        try:
            return act(item)
        except LabelChangedError as exc:
            self.follow_scan()  # the label as it is now, on screen
            label = exc.now.get(item.path)
            return (
                f"{item.path} was labeled {label or 'unlabeled'} elsewhere since it was shown: "
                "nothing written; look again"
            )
        except UnknownPathError:
            image_id = self._ids.get(item.path)
            self.follow_scan()
            now = self.current
            if now is not None and image_id is not None and self._ids.get(now.path) == image_id:
                return act(now)  # moved: the key was meant for this image
            return f"{item.path} is no longer in the image folder: left out of this review"

    def _decide(
        self, item: ReviewItem, action: str, written: Changes | None, label: str | None = None
    ) -> None:
        """Record the decision; ``label``: the image's label after it (shown when the
        person comes back to the image)."""
        batch = written.batch_id if written is not None else None
        if batch is not None:
            self.touched.add(item.path)
            if self.current is item:
                self.items[self.index] = replace(item, label=label)
        image_id = self._ids[item.path]
        self._decided[image_id] = action
        self._done.append(Decision(item.path, action, batch, image_id, label))
        self._undone.clear()  # a new decision: what was undone stays undone
        self._advance()

    def _advance(self) -> None:
        """To the next undecided image after this one, then from the start; else done."""
        self._settle(self.index + 1)

    def _settle(self, start: int) -> None:
        """To the first undecided image from ``start`` on, then from the start; else done."""
        n = len(self.items)
        for offset in range(n):
            candidate = (start + offset) % n
            if self.decided(self.items[candidate]) is None:
                self.index = candidate
                return
        self.index = n

    def _position(self, image_id: int) -> int:
        for n, item in enumerate(self.items):
            if self._ids.get(item.path) == image_id:
                return n
        return min(self.index, len(self.items) - 1)
