"""Undo and redo in the project browser, mixed into
:class:`~labeldesk.gui.labeling.LabelingController`: the Edit menu's Undo and Redo
name what they would do, run as any other write (in the background when big) and
say what they did; the images they changed come back selected."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from labeldesk.core import redo as redo_store
from labeldesk.core import undo as undo_store
from labeldesk.core.display import capitalised
from labeldesk.core.errors import LabelDeskError, NothingToRedoError, NothingToUndoError
from labeldesk.core.project import Project
from labeldesk.core.redo import Redone
from labeldesk.core.undo import Undone

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance
    from PySide6.QtGui import QAction


class UndoRedo:
    """The undo and redo of a labeling controller (see the module's note)."""

    if TYPE_CHECKING:  # the controller's, as LabelingController sets and defines them
        project: Project
        undo_action: QAction
        redo_action: QAction
        message: SignalInstance
        error: SignalInstance
        undoneImages: SignalInstance
        redoneImages: SignalInstance

        def refused(self) -> bool: ...
        def write(
            self,
            change: Callable[[], Any],
            *,
            size: int,
            title: str,
            done: Callable[[Any], None],
            failed: Callable[[LabelDeskError], None] | None = None,
        ) -> bool: ...

    def undo(self) -> None:
        """Take back this person's newest batch (in the background when it is big)."""
        if self.refused():
            return
        size = undo_store.pending_size(self.project.db)
        self.write(
            self.project.undo,
            size=size,
            title=f"Undoing a change of {size:,} images",
            done=self._undid,
            failed=self._undo_failed,
        )

    def _undid(self, undone: Undone) -> None:
        self.message.emit(capitalised(undone.summary()))
        if undone.image_ids:
            self.undoneImages.emit(list(undone.image_ids), not undone.classes_changed)

    def redo(self) -> None:
        """Make again what this person's newest undo took back, unless they changed
        something since (in the background when it is big). The redo is itself a change
        that :meth:`undo` takes back."""
        if self.refused():
            return
        size = redo_store.pending_redo_size(self.project.db)
        self.write(
            self.project.redo,
            size=size,
            title=f"Redoing a change of {size:,} images",
            done=self._redid,
            failed=self._redo_failed,
        )

    def _redid(self, redone: Redone) -> None:
        self.message.emit(capitalised(redone.summary()))
        if redone.image_ids:
            self.redoneImages.emit(list(redone.image_ids), not redone.classes_changed)

    def _redo_failed(self, exc: LabelDeskError) -> None:
        if isinstance(exc, NothingToRedoError):
            self.message.emit(f"{capitalised(str(exc))} (a new change clears what Redo offers)")
        else:
            self.error.emit(str(exc))

    def name_steps(self) -> None:
        """Name in the Undo and Redo actions what each would do (read as the Edit menu
        opens)."""
        self.name_undo()
        self.name_redo()

    def name_undo(self) -> None:
        """Name in the Undo action what it would take back (Ctrl+Z had undone an older
        label unannounced when the newest step was one it did not take back)."""
        what = _shortened(undo_store.pending_description(self.project.db))
        # nothing of mine to take back: said, not an offer of a "label change" that a
        # click then answers with "Nothing to undo"
        text = "&Undo (nothing of yours to undo)" if what is None else f"&Undo “{what}”"
        self.undo_action.setText(text)

    def name_redo(self) -> None:
        """Name in the Redo action what it would make again."""
        what = _shortened(redo_store.pending_redo_description(self.project.db))
        self.redo_action.setText("&Redo" if what is None else f"&Redo “{what}”")

    def _undo_failed(self, exc: LabelDeskError) -> None:
        if isinstance(exc, NothingToUndoError):
            text = capitalised(str(exc))
            self.message.emit(f"{text} (labels from the folder or a file stay)")
        else:
            self.error.emit(str(exc))


def _shortened(what: str | None, room: int = 40) -> str | None:
    """A change's description as a menu entry shows it (long ones end in "…")."""
    return what[: room - 1] + "…" if what is not None and len(what) > room else what
