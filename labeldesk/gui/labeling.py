"""Keyboard labeling: keys → one core call → re-read the changed rows → repaint them.

Every change goes through :class:`~labeldesk.core.project.Project` (one undoable batch
per key press, committed before the UI moves on). The project publishes what the write
changed; the view re-reads only those rows (:meth:`LabelingController.refresh_ids`) and
the class list if it changed, so what the grid shows is what the database holds, however
the write was made (a key here, a review key, a duplicate-group action, an undo).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QInputDialog, QLineEdit

from labeldesk.core.errors import LabelDeskError, NothingToUndoError
from labeldesk.core.project import Project
from labeldesk.core.vocab import EXCLUDED
from labeldesk.gui import shortcuts
from labeldesk.gui.image_model import ImageListModel
from labeldesk.gui.thumbnail_grid import ThumbnailGrid

log = logging.getLogger(__name__)


class LabelingController(QObject):
    """Owns the labeling actions of one project view (attached to its grid)."""

    classesChanged = Signal(list)
    message = Signal(str)  # transient status-bar text
    error = Signal(str)  # an expected failure, shown once

    def __init__(
        self,
        project: Project,
        model: ImageListModel,
        grid: ThumbnailGrid,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.project = project
        self.model = model
        self.grid = grid
        self.auto_advance = True
        self.label_actions = [
            self._grid_action("", shortcuts.sequences((key,)), self._label_nth(n))
            for n, key in enumerate(shortcuts.LABEL_KEYS)
        ]
        self.clear_action = self._grid_action(
            "&Remove label",
            shortcuts.sequences(shortcuts.CLEAR_KEYS),
            lambda: self.label_selection(None),
        )
        self.exclude_action = self._grid_action(
            "E&xclude / include", shortcuts.sequences(shortcuts.EXCLUDE_KEYS), self.toggle_excluded
        )
        self.undo_action = QAction("&Undo label change", self)
        self.undo_action.setShortcuts(shortcuts.sequences(shortcuts.UNDO_KEYS))
        self.undo_action.triggered.connect(self.undo)
        self.add_class_action = QAction("&Add class…", self)
        self.add_class_action.setShortcuts(shortcuts.sequences(shortcuts.ADD_CLASS_KEYS))
        self.add_class_action.triggered.connect(self.prompt_add_class)
        self._update_label_actions()

    def _grid_action(
        self, text: str, keys: list[QKeySequence], slot: Callable[[], None]
    ) -> QAction:
        action = QAction(text, self.grid)
        action.setShortcuts(keys)
        # Only while the grid has focus: digits typed in the search box stay text.
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        self.grid.addAction(action)
        return action

    def _label_nth(self, n: int) -> Callable[[], None]:
        def apply() -> None:
            classes = self.classes
            if n < len(classes):
                self.label_selection(classes[n])
            else:
                self.message.emit(
                    f"No class for key {shortcuts.class_key(n)}; add one with Classes ▸ Add class…"
                )

        return apply

    @property
    def classes(self) -> list[str]:
        catalog = self.model.catalog
        return catalog.classes if catalog is not None else []

    def _update_label_actions(self) -> None:
        classes = self.classes
        for n, action in enumerate(self.label_actions):
            # Kept enabled without a class: the key then says why nothing happened.
            name = classes[n] if n < len(classes) else "(no class yet)"
            action.setText(f"&{n + 1}  {name}")

    # -- commands ------------------------------------------------------------------
    def label_selection(self, label: str | None) -> None:
        """Label every selected image in one batch; advance after a single image."""
        rows = self.grid.selected_rows()
        if not len(rows):
            self.message.emit("Select one or more images first")
            return
        paths = self.model.paths_of_rows(rows)
        verb = f"label {len(paths)} as {label}" if label else f"unlabel {len(paths)}"
        if not self._apply(
            lambda: self.project.set_labels(dict.fromkeys(paths, label), description=verb)
        ):
            return
        shown = paths[0] if len(paths) == 1 else f"{len(paths)} images"
        self.message.emit(f"{shown} → {label}" if label else f"Removed label of {shown}")
        if self.auto_advance and len(rows) == 1 and label is not None:
            next_row = int(rows[0]) + 1
            if next_row < self.model.rowCount():
                self.grid.select_row(next_row)

    def toggle_excluded(self) -> None:
        """Exclude the selection, or include it again when all of it is excluded."""
        rows = self.grid.selected_rows()
        catalog = self.model.catalog
        if not len(rows) or catalog is None:
            self.message.emit("Select one or more images first")
            return
        all_excluded = bool(np.all(catalog.statuses[self.model.positions(rows)] == EXCLUDED))
        status = None if all_excluded else EXCLUDED
        paths = self.model.paths_of_rows(rows)
        if self._apply(lambda: self.project.set_status(paths, status)):
            verb = "Included" if all_excluded else "Excluded"
            self.message.emit(f"{verb} {len(paths)} image(s)")

    def undo(self) -> None:
        try:
            undone = self.project.undo()
        except NothingToUndoError as exc:
            text = str(exc)
            self.message.emit(
                f"{text[:1].upper()}{text[1:]} (labels from the folder or a file stay)"
            )
            return
        except LabelDeskError as exc:
            self.error.emit(str(exc))
            return
        text = undone.summary()  # the view re-reads what it changed back (project events)
        self.message.emit(text[:1].upper() + text[1:])

    def sync_classes(self) -> None:
        """Take the project's class list (and keys) when it changed."""
        classes = self.project.classes()
        if classes == self.classes:
            return
        if self.model.catalog is not None:
            self.model.catalog.set_classes(classes)
        self._update_label_actions()
        self.classesChanged.emit(classes)

    def add_classes(self, names: Sequence[str]) -> list[str]:
        try:
            return self.project.add_classes(names)  # the view syncs the classes (events)
        except LabelDeskError as exc:
            self.error.emit(str(exc))
            return []

    def prompt_add_class(self) -> None:
        text, ok = QInputDialog.getText(
            self.grid,
            "Add class",
            "New class name(s), separated by commas:",
            QLineEdit.EchoMode.Normal,
            "",
        )
        names = [n.strip() for n in text.split(",") if n.strip()] if ok else []
        if names:
            added = self.add_classes(names)
            if added:
                self.message.emit(f"Added class(es): {', '.join(added)}")

    def refresh_classes(self) -> None:
        self._update_label_actions()

    # -- plumbing ------------------------------------------------------------------
    def _apply(self, change: Callable[[], object]) -> bool:
        """Run one write; the rows it changed are re-read when the project publishes it
        (:meth:`labeldesk.gui.project_view.ProjectView.apply_changes`)."""
        try:
            change()
        except LabelDeskError as exc:
            self.error.emit(str(exc))
            return False
        return True

    def refresh_ids(self, image_ids: Sequence[int]) -> np.ndarray:
        """Re-read these images' labels and flags; the catalog positions that changed."""
        catalog = self.model.catalog
        if catalog is None or not len(image_ids):
            return np.zeros(0, dtype=np.int64)
        positions = catalog.apply_states(self.project.image_states(image_ids))
        self.model.positions_changed(positions)
        return positions
