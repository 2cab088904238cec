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
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from labeldesk.core import redo as redo_store
from labeldesk.core import review
from labeldesk.core.display import quoted_names, shown_path
from labeldesk.core.errors import LabelChangedError, NothingToUndoError, UnknownPathError
from labeldesk.core.image_lookup import ids_of, present
from labeldesk.core.undo import undid

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

    def undo(self) -> str:
        """Revert the last decision of this session and show its image again."""
        if not self._done:
            return "Nothing to undo in this review"
        last = self._done.pop()  # first: a listener told of the undo finds it gone
        try:
            if last.batch is not None:
                with contextlib.suppress(NothingToUndoError):  # undone elsewhere: step back
                    self.project.undo(last.batch)
        except BaseException:
            self._done.append(last)
            raise
        self._undone.append(last)
        self._fall_back(last.image_id)
        if self.source == "queue" and last.action in ("accept", "relabel"):
            self.labels_since_refresh = max(0, self.labels_since_refresh - 1)
        self.follow_scan()  # the label the undo brought back is the one shown
        self.index = self._position(last.image_id)
        return undid(last.words(self._paths.get(last.image_id, last.path)))

    def redo(self) -> str:
        """Make the decision this pass's last undo took back again (as the project's
        redo: a new batch that undo takes back), then move on as after the decision. Not
        once anything else was undone or changed since: that redo is not this pass's."""
        if not self._undone:
            return "Nothing to redo in this review"
        last = self._undone[-1]
        batch = None
        if last.batch is not None:
            if redo_store.pending_redo_batch(self.project.db) != last.batch:
                self._undone.clear()
                return "Nothing to redo in this review: a change since took its place"
            batch = self.project.redo().batch_id
        return self._redone(batch)

    def adopt_redo(self, redone_batch: int, batch: int | None) -> bool:
        """A redo made outside the pass (Edit → Redo) of the decision its last undo took
        back: the decision counts again, written as ``batch``. False when it was not."""
        if not self._undone or self._undone[-1].batch != redone_batch:
            return False
        self._redone(batch)
        return True

    def _redone(self, batch: int | None) -> str:
        last = self._undone.pop()
        self.follow_scan()  # the label the redo brought back is the one shown
        path = self._paths.get(last.image_id, last.path)
        if batch is not None:
            self.touched.add(path)
        self._decided[last.image_id] = last.action
        self._done.append(replace(last, path=path, batch=batch))
        if self.source == "queue" and last.action in ("accept", "relabel"):
            self.labels_since_refresh += 1
        self.index = self._position(last.image_id)
        self._advance()
        return f"Redid: {last.words(path)}"

    def _fall_back(self, image_id: int) -> None:
        """The image's decision is its earlier one in this pass, if any, else none."""
        earlier = [d.action for d in self._done if d.image_id == image_id]
        if earlier:
            self._decided[image_id] = earlier[-1]
        else:
            self._decided.pop(image_id, None)

    def forget_undone(self, batch_id: int) -> bool:
        """A batch of this pass was undone outside it (Edit → Undo, the history): its
        decision no longer holds, so its image is undecided again and shown. False when
        no decision of this pass recorded ``batch_id`` (this pass's own undo pops first)."""
        found = next((d for d in reversed(self._done) if d.batch == batch_id), None)
        if found is None:
            return False
        self._done.remove(found)
        self._undone.append(found)  # a redo (the review's or Edit → Redo) makes it again
        self._fall_back(found.image_id)
        self.follow_scan()  # the label the undo brought back is the one shown
        if found.image_id not in self._decided:
            self.index = self._position(found.image_id)
        if self.source == "queue" and found.action in ("accept", "relabel"):
            self.labels_since_refresh = max(0, self.labels_since_refresh - 1)
        return True

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

    def follow_scan(self) -> None:
        """Bring the pass up to date with the folder (after a scan): a moved image keeps
        its place under its new path; a removed one leaves the pass (undecided: counted
        as gone, not reviewed; decided: it stays reviewed). The image on screen stays if
        it is still there, else the next undecided one is shown."""
        unknown = [item.path for item in self.items if item.path not in self._ids]
        self._ids.update(ids_of(self.project, unknown) if unknown else {})
        now = present(self.project, [self._ids[i.path] for i in self.items if i.path in self._ids])
        renamed = self._class_renames()
        scored_as = self._class_renamed()  # the label a fit was scored for, named as now
        kept: list[ReviewItem] = []
        ids: dict[str, int] = {}
        start, shown_stays = len(self.items), False
        for n, item in enumerate(self.items):
            if n == self.index:
                start = len(kept)
            image_id = self._ids.get(item.path, -1)
            row = now.get(image_id)
            if row is None:
                if image_id not in self._decided and item.path not in self._gone:
                    self.gone.append(item.path)
                    self._gone.add(item.path)
                continue
            shown_stays = shown_stays or n == self.index
            label = row.label  # as it is now: changed in another window, or undone
            suggested = renamed(item.suggested)  # a class renamed or merged since
            scored = item.scored_label
            scored = scored_as.get(scored, scored) if scored is not None else None
            content, confidence = item.content or row.content, item.confidence
            if content != row.content:  # another picture under this id: not judged
                suggested, confidence = None, float("nan")
            if (row.path, label, suggested, content, scored) != (
                item.path,
                item.label,
                item.suggested,
                item.content,
                item.scored_label,
            ):
                if row.path != item.path and image_id in self._decided:
                    self.touched.add(row.path)  # the browser re-reads it where it is now
                item = replace(
                    item,
                    path=row.path,
                    label=label,
                    suggested=suggested,
                    confidence=confidence,
                    content=content,
                    scored_label=scored,
                )
            self._paths[image_id] = row.path
            ids[row.path] = image_id
            kept.append(item)
        self.items, self._ids = kept, ids
        self.index = start
        if not shown_stays:
            self._settle(start)

    def _class_renamed(self) -> dict[str, str]:
        """A class renamed since the last look (or a rename undone): {old: new}. The
        label a fit was scored for is the same class under its new name ("12% for shirt"
        named a class no longer there); a merged or removed class is not renamed (its
        images' label did change: the fit stays the old class's, named as it was)."""
        now = self.project.classes()
        before, self._class_names = self._class_names, now
        if before is None or before == now:
            return {}
        gone = [name for name in before if name not in now]
        new = [name for name in now if name not in before]
        if len(gone) != 1 or len(new) != 1:
            return {}
        # renamed: an alias to the new name; a rename undone leaves none (a merge sends
        # the old name to a class there before, not a new one)
        went_to = self.project.class_aliases().get(gone[0])
        return {gone[0]: new[0]} if went_to in (new[0], None) else {}

    def _class_renames(self) -> Callable[[str | None], str | None]:
        """A suggestion's class as it is called now: a class renamed or merged since the
        list was made goes to its new name (removed: no suggestion), so Enter takes it."""
        classes = set(self.project.classes())
        if all(item.suggested is None or item.suggested in classes for item in self.items):
            return lambda name: name
        aliases = self.project.class_aliases()

        def now(name: str | None) -> str | None:
            seen: set[str] = set()
            while name is not None and name not in classes and name not in seen:
                seen.add(name)
                name = aliases.get(name)
            return name if name in classes else None

        return now

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
