"""A review pass's undo and redo of its own decisions, and its following of an undo or
a redo made outside it (Edit → Undo, the history). Mixed into
:class:`~labeldesk.browse.review_session.ReviewSession`; Qt-free."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from typing import TYPE_CHECKING

from labeldesk.core import redo as redo_store
from labeldesk.core.errors import NothingToUndoError
from labeldesk.core.undo import undid

if TYPE_CHECKING:
    from labeldesk.browse.review_records import Decision, Source
    from labeldesk.core.project import Project


class ReviewUndo:
    """Undo and redo of a :class:`~labeldesk.browse.review_session.ReviewSession`."""

    if TYPE_CHECKING:  # the session's, as ReviewSession sets and defines them
        project: Project
        source: Source
        index: int
        touched: set[str]
        labels_since_refresh: int
        _done: list[Decision]
        _undone: list[Decision]
        _paths: dict[int, str]
        _decided: dict[int, str]

        def follow_scan(self) -> None: ...
        def _advance(self) -> None: ...
        def _position(self, image_id: int) -> int: ...

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
