"""Keyboard labeling: keys → one core call → re-read the changed rows → repaint them.

Every change goes through :class:`~labeldesk.core.project.Project` (one undoable batch
per key press, committed before the UI moves on). The project publishes what the write
changed; the view re-reads only those rows (:mod:`labeldesk.gui.row_refresh`) and the
class list if it changed, so what the grid shows is what the database holds, however
the write was made (a key here, a review key, a duplicate-group action, an undo or redo).

A write of more than :data:`BACKGROUND_WRITE` images (a select-all label key, its undo)
takes seconds of SQLite work: it runs as a job, one transaction (all of it or none), and
the labeling keys wait for it with a message instead of freezing the window.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox, QWidget

from labeldesk.core.classes import names_to_add
from labeldesk.core.display import counted, named_classes, quoted_names
from labeldesk.core.errors import Cancelled, LabelDeskError, UnknownPathError
from labeldesk.core.image_lookup import present
from labeldesk.core.portable_names import class_name_notes
from labeldesk.core.progress import CancelToken
from labeldesk.core.project import Project
from labeldesk.core.vocab import EXCLUDED
from labeldesk.gui import shortcuts
from labeldesk.gui.class_keys import keys_moved
from labeldesk.gui.image_model import ImageListModel
from labeldesk.gui.labeling_undo import UndoRedo
from labeldesk.gui.read_only_keys import BROWSER_WRITING_KEYS, read_only_key_text, refuse_keys
from labeldesk.gui.thumbnail_grid import ThumbnailGrid
from labeldesk.gui.workers import Job, write_failure

log = logging.getLogger(__name__)

CONFIRM_OVER = 50  # selected images: a key that would relabel more of them asks first
BACKGROUND_WRITE = 5_000  # images; 100k took ~10 s of SQLite work on the GUI thread
Starter = Callable[[Job, str], Job]  # runs a job, shown with a title in the job bar


class LabelingController(QObject, UndoRedo):
    """Owns the labeling actions of one project view (attached to its grid); its undo
    and redo: :class:`~labeldesk.gui.labeling_undo.UndoRedo`."""

    classesChanged = Signal(list)
    message = Signal(str)  # transient status-bar text
    error = Signal(object)  # an expected failure, shown once (str, or a FailureText)
    # The ids of the images an undo changed back (a redo changed again), and whether they
    # were labeled together (not a class renamed, merged or removed): then all of them
    # come back selected, so the next key acts on them again.
    undoneImages = Signal(list, bool)
    redoneImages = Signal(list, bool)

    def __init__(
        self,
        project: Project,
        model: ImageListModel,
        grid: ThumbnailGrid,
        parent: QObject | None = None,
        start: Starter | None = None,
    ):
        """``start``: runs a big write in the background (without it, every write runs
        on the calling thread)."""
        super().__init__(parent)
        self.project = project
        self.model = model
        self.grid = grid
        self.start = start
        self.writing: Job | None = None  # a big write under way
        self._writing_title = ""
        # The view was shut down: a big write it let run on (Job.keep_on_close) commits
        # after its widgets are gone, and its end must not reach them.
        self.closed = False
        self.auto_advance = True
        self.label_actions = [
            self._grid_action(
                "", shortcuts.sequences(shortcuts.with_shift((key,))), self._label_nth(n)
            )
            for n, key in enumerate(shortcuts.LABEL_KEYS)
        ]
        self.clear_action = self._grid_action(
            "Remove &label",
            shortcuts.sequences(shortcuts.CLEAR_KEYS),
            lambda: self.label_selection(None),
        )
        self.exclude_action = self._grid_action(
            "E&xclude / include",
            shortcuts.sequences(shortcuts.with_shift(shortcuts.EXCLUDE_KEYS)),
            self.toggle_excluded,
        )
        self.undo_action = QAction("&Undo label change", self)
        self.undo_action.setShortcuts(shortcuts.sequences(shortcuts.UNDO_KEYS))
        self.undo_action.triggered.connect(self.undo)
        self.redo_action = QAction("&Redo", self)
        self.redo_action.setShortcuts(shortcuts.sequences(shortcuts.REDO_KEYS))
        self.redo_action.triggered.connect(self.redo)
        self.add_class_action = QAction("&Add class…", self)
        self.add_class_action.setShortcuts(shortcuts.sequences(shortcuts.ADD_CLASS_KEYS))
        self.add_class_action.triggered.connect(self.prompt_add_class)
        # The Classes menu's hint for the key of the next class added (see menu_key_actions).
        self.next_key_action = QAction("", self)
        self.next_key_action.setEnabled(False)
        self._keys: list[str] = []  # the classes in key order, as the keys last gave them
        self._known: set[str] = set()  # every class the keys have given in this view
        self._keys_used = False  # a person labeled with them: their habit can mislead
        self._update_label_actions()
        if project.read_only is not None:  # greyed in the menus; a key says why, once
            writing = [*self.label_actions, self.clear_action, self.exclude_action]
            refuse_keys(self.grid, writing, BROWSER_WRITING_KEYS, self.say_read_only)

    def say_read_only(self) -> None:
        """The project was opened read-only: say so in the status bar (not a notice to
        dismiss at each key press)."""
        reason = self.project.read_only
        if reason is not None:
            self.message.emit(read_only_key_text(reason))

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

    def note_key_used(self) -> None:
        """A class key was pressed (here or in the review): from now on, keys that move
        are worth a notice."""
        self._keys_used = True

    def _label_nth(self, n: int) -> Callable[[], None]:
        def apply() -> None:
            self.note_key_used()
            classes = self.classes
            if n < len(classes):
                self.label_selection(classes[n])
            else:
                self.message.emit(
                    f"No class for key {shortcuts.class_key(n)}; add one with Classes → Add class…"
                )

        return apply

    @property
    def classes(self) -> list[str]:
        catalog = self.model.catalog
        return catalog.classes if catalog is not None else []

    def _update_label_actions(self) -> None:
        classes = self.classes
        previous, self._keys = self._keys, list(classes)
        notice = keys_moved(previous, classes, known=self._known) if self._keys_used else None
        self._known.update(classes)
        if notice:
            self.error.emit(notice)  # a notice: a key pressed from habit would mislabel
        for n, action in enumerate(self.label_actions):
            # Kept enabled without a class: the key then says why nothing happened.
            name = classes[n] if n < len(classes) else "(no class yet)"
            key = shortcuts.class_key(n)  # 1-9, then A…: a letter is no mnemonic (&Add)
            action.setText(f"&{key}  {name}" if key.isdigit() else f"{key}  {name}")
        free = shortcuts.class_key(len(classes))
        self.next_key_action.setText(f"{free}  (the next class added)" if free else "")

    def menu_key_actions(self) -> list[QAction]:
        """What the Classes menu lists of the keys: one entry per class, then the key the
        next class added gets (disabled), if any is left; not the 33 keys, most of them
        free (the menu was taller than the window)."""
        shown = self.label_actions[: len(self.classes)]
        return [*shown, self.next_key_action] if self.next_key_action.text() else shown

    # -- commands ------------------------------------------------------------------
    def label_selection(self, label: str | None) -> None:
        """Label (``None``: unlabel) every selected image in one batch; move on after a
        single image."""
        rows = self.grid.selected_rows()
        if not len(rows):
            self.message.emit("Select one or more images first")
            return
        paths = self.model.paths_of_rows(rows)
        ids = self.model.rows_to_ids(rows)
        if not self._mass_change_confirmed(rows, label):
            return
        # "label 1 image as 'shirt'": Edit → Undo named "label 1 as 'shirt'", where 1 read
        # as the label key (ankle_boot's), not a count of images
        many = counted(len(paths), "image")
        verb = f"label {many} as {quoted_names([label])}" if label else f"unlabel {many}"
        shown = paths[0] if len(paths) == 1 else f"{len(paths):,} images"

        def done(_: object) -> None:
            self.message.emit(f"{shown} → {label}" if label else f"Removed label of {shown}")
            self._move_on(rows)

        def change() -> object:
            at = where_now(self.project, paths, ids)
            return self.project.set_labels(dict.fromkeys(at, label), description=verb, shown_ids=at)

        self.write(
            change,
            size=len(paths),
            title=f"Labeling {shown}" if label else f"Removing the labels of {shown}",
            done=done,
        )

    def _mass_change_confirmed(self, rows: np.ndarray, label: str | None) -> bool:
        """A key on more than :data:`CONFIRM_OVER` selected images that would change
        labels people gave asks first (Ctrl+A and one stray key relabeled every image,
        the test split too); Ctrl+Z would take it back, but only if noticed."""
        catalog = self.model.catalog
        if len(rows) <= CONFIRM_OVER or catalog is None:
            return True
        positions = self.model.positions(rows)
        labels, splits = catalog.labels[positions], catalog.splits[positions]
        changed = np.array([lab is not None and lab != label for lab in labels], dtype=bool)
        if not changed.any():
            return True  # labeling unlabeled images only: what a selection is for
        in_test, relabeled = int(np.sum(changed & (splits == "test"))), int(changed.sum())
        test = f", {counted(in_test, 'image')} of the test split among them" if in_test else ""
        what = f"give them the label {label}" if label else "remove their labels"
        have = "has" if relabeled == 1 else "have"
        return self.confirm(
            "Change many labels",
            f"{counted(len(rows), 'selected image')}: {what}?\n\n"
            f"{counted(relabeled, 'image')} already {have} "
            f"another label{test}. Edit → Undo (Ctrl+Z) takes it back.",
        )

    def confirm(self, title: str, text: str) -> bool:
        return ask_yes(self.grid, title, text)

    def toggle_excluded(self) -> None:
        """Exclude the selection, or include it again when all of it is excluded; move
        on after a single image."""
        rows = self.grid.selected_rows()
        catalog = self.model.catalog
        if not len(rows) or catalog is None:
            self.message.emit("Select one or more images first")
            return
        all_excluded = bool(np.all(catalog.statuses[self.model.positions(rows)] == EXCLUDED))
        status = None if all_excluded else EXCLUDED
        paths = self.model.paths_of_rows(rows)
        ids = self.model.rows_to_ids(rows)
        verb = "Included" if all_excluded else "Excluded"

        def done(_: object) -> None:
            self.message.emit(f"{verb} {counted(len(paths), 'image')}")
            self._move_on(rows)

        def change() -> object:
            at = where_now(self.project, paths, ids)
            return self.project.set_status(list(at), status, shown_ids=at)

        self.write(
            change,
            size=len(paths),
            title=f"{verb[:-1]}ing {len(paths):,} images",
            done=done,
        )

    def _move_on(self, rows: np.ndarray) -> None:
        """After a key acted on one image (a class, 0, X), select the next one, as the
        review does; a selection of several stays selected (the next key acts on it)."""
        if self.auto_advance and len(rows) == 1:
            next_row = int(rows[0]) + 1
            if next_row < self.model.rowCount():
                self.grid.select_row(next_row)

    def sync_classes(self) -> None:
        """Take the project's class list (and keys) when it changed."""
        classes = self.project.classes()
        if classes == self.classes:
            return
        if self.model.catalog is not None:
            self.model.catalog.set_classes(classes, self.project.class_colours())
        self._update_label_actions()
        self.classesChanged.emit(classes)

    def add_classes(self, names: Sequence[str]) -> list[str]:
        if self.refused():  # its write would wait for the big one, freezing the window
            return []
        try:
            return self.project.add_classes(names)  # the view syncs the classes (events)
        except Exception as exc:  # refused, or locked, read-only, disk full: said
            self.error.emit(write_failure(exc))
            return []

    def prompt_add_class(self) -> None:
        text, ok = QInputDialog.getText(
            self.grid,
            "Add class",
            "New class name(s), separated by commas (\\, for a comma in a name):",
            QLineEdit.EchoMode.Normal,
            "",
        )
        if not ok:
            return
        try:
            names = names_to_add(text)  # OK on an empty field: refused, as `classes --add ''`
        except LabelDeskError as exc:
            self.error.emit(str(exc))
            return
        added = self.add_classes(names)
        if added:
            notes = "".join(f". Note: {n}" for n in class_name_notes(added))
            self.message.emit(f"Added {named_classes(added)} (Ctrl+Z undoes it){notes}")

    def refresh_classes(self) -> None:
        self._update_label_actions()

    # -- plumbing ------------------------------------------------------------------
    def busy_text(self) -> str | None:
        """While a big write runs, why another write must wait (it would wait for it on
        the GUI thread: review keys, duplicate-group actions, class edits ask this)."""
        if self.writing is None or not self.writing.running:
            return None
        return f"Wait for “{self._writing_title}” to finish, then try again"

    def refused(self) -> bool:
        """True (saying why) while a big write runs: the next one would wait for it."""
        text = self.busy_text()
        if text is not None:
            self.message.emit(text)
        return text is not None

    def write(
        self,
        change: Callable[[], Any],
        *,
        size: int,
        title: str,
        done: Callable[[Any], None],
        failed: Callable[[LabelDeskError], None] | None = None,
    ) -> bool:
        """Run one write, then ``done(its result)``; an expected failure goes to
        ``failed`` (default: shown once). The rows it changed are re-read when the
        project publishes it (:meth:`labeldesk.gui.project_view.ProjectView.apply_changes`).
        Over :data:`BACKGROUND_WRITE` images it runs as a job (see the module's doc).
        False when refused or when it failed at once; True when done or started."""
        failed = failed or (lambda exc: self.error.emit(str(exc)))
        if self.project.read_only is not None:  # every write would be refused
            self.say_read_only()
            return False
        if self.refused():
            return False
        if size <= BACKGROUND_WRITE or self.start is None:
            try:
                result = change()
            except LabelDeskError as exc:
                failed(exc)
                return False
            except Exception as exc:  # locked, read-only, disk full: said, not dropped
                self.error.emit(write_failure(exc))
                return False
            done(result)
            return True

        def run(*, progress: object, cancel: CancelToken) -> Any:
            if cancel.cancelled:  # cancelled before it began: nothing written
                raise Cancelled("nothing was changed")
            return change()  # one transaction: once begun, it commits or rolls back

        job = Job(run, title)
        job.keep_on_close = True  # the key was pressed: closing the window must not drop it
        job.failed.connect(lambda exc: self._write_failed(job, exc, failed))
        # Ended, not finished: a Cancel pressed once the write began does not undo it.
        job.ended.connect(lambda: self._written(job, done))
        self.writing, self._writing_title = job, title
        self.start(job, title)
        self.message.emit(f"{title}… (labeling keys wait for it)")
        return True

    def _write_failed(
        self, job: Job, exc: BaseException, failed: Callable[[LabelDeskError], None]
    ) -> None:
        if self.closed:
            return
        if isinstance(exc, LabelDeskError):
            failed(exc)
        else:
            self.error.emit(job.describe(exc))

    def _written(self, job: Job, done: Callable[[Any], None]) -> None:
        if self.writing is job:
            self.writing = None
        if self.closed:
            return
        if job.result is not None:
            done(job.result)
        elif job.token.cancelled:
            self.message.emit(f"“{job.name}” cancelled: nothing was changed")


def where_now(project: Project, paths: Sequence[str], ids: np.ndarray) -> dict[str, int]:
    """Where the images shown as ``paths`` (``ids``) are now: path -> id. A key acts on
    the pictures on screen, by id: after a scan another process ran (or the app's own,
    still running) the grid shows the old paths until it is read again, and a swapped
    or renumbered file had put the label on another picture. UnknownPathError, nothing
    written, when some are gone from the folder."""
    now = present(project, (int(i) for i in ids))
    gone = [p for p, i in zip(paths, ids, strict=True) if int(i) not in now]
    if gone:
        raise UnknownPathError(gone, "a scan removed them since they were shown: nothing written")
    return {now[int(i)].path: int(i) for i in ids}


def ask_yes(parent: QWidget | None, title: str, text: str) -> bool:
    """Yes or Cancel, Cancel the default: a question before a change of many labels."""
    answer = QMessageBox.question(
        parent,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Yes
