"""Custom keys for the menu commands, kept in QSettings.

Each menu action is registered under a stable name with its default keys; a saved
choice replaces the default at start-up and at once when edited in Help → Keyboard
shortcuts. Labeling and review keys (1-9 and letters, Enter, Space, X, Z), Undo, Add
class and Select all stay fixed: a command may not take one of them (Qt would find the key
ambiguous and do nothing), and a saved choice that does is ignored with a warning.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QHeaderView,
    QKeySequenceEdit,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from labeldesk.gui import settings, shortcuts

log = logging.getLogger(__name__)

PREFIX = "hotkeys/"
_DEFAULTS = "labeldeskDefaultKeys"  # dynamic property holding the default key strings


def action_name(text: str) -> str:
    """A stable settings name from a menu text: "Re&scan folder" -> "rescan_folder"."""
    return re.sub(r"[^a-z0-9]+", "_", text.replace("&", "").lower()).strip("_")


def saved_keys(name: str) -> list[QKeySequence] | None:
    """The user's keys for ``name`` ([] = none on purpose), None when never changed."""
    value = settings.settings().value(PREFIX + name)
    if value is None:
        return None
    text = str(value)
    return [QKeySequence(part) for part in text.split("\n") if part] if text else []


def save_keys(name: str, keys: Sequence[QKeySequence] | None) -> None:
    """Remember ``keys`` for ``name``; None goes back to the default."""
    store = settings.settings()
    if keys is None:
        store.remove(PREFIX + name)
    else:
        store.setValue(PREFIX + name, "\n".join(k.toString() for k in keys if not k.isEmpty()))


def register(action: QAction, defaults: Sequence[QKeySequence]) -> None:
    """Name ``action`` after its text, remember its defaults, apply a saved choice."""
    if not action.objectName():
        action.setObjectName(action_name(action.text()))
    action.setProperty(_DEFAULTS, [k.toString() for k in defaults])
    custom = saved_keys(action.objectName())
    taken = [(k, use) for k in custom or [] if (use := shortcuts.fixed_key_use(k))]
    if taken:  # saved by an older version, which let a command take Ctrl+Z
        key, use = taken[0]
        log.warning(
            "ignoring the saved key %s for %r: it is kept for %s; using %s",
            key.toString(),
            action.objectName(),
            use,
            ", ".join(k.toString() for k in defaults) or "no key",
        )
        custom = None
    action.setShortcuts(list(defaults) if custom is None else custom)


def key_text(name: str, defaults: Sequence[shortcuts.KeySpec]) -> str:
    """The keys of the action ``name`` as its menu shows them: the user's choice, else
    ``defaults`` (as :func:`register` applies them); "" when it has none."""
    custom = saved_keys(name)
    if custom is not None and any(shortcuts.fixed_key_use(k) for k in custom):
        custom = None  # register ignores such a choice too
    keys = shortcuts.sequences(defaults)[:1] if custom is None else custom
    return ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in keys)


def shown_key(key: QKeySequence) -> str:
    """A key as the editor shows it, in the list's words ("Ctrl+Enter" for Qt's
    "Ctrl+Return"); what is saved stays Qt's portable text."""
    return shortcuts.key_words(key.toString(QKeySequence.SequenceFormat.NativeText))


def default_keys(action: QAction) -> list[QKeySequence]:
    return [QKeySequence(k) for k in (action.property(_DEFAULTS) or [])]


class HotkeysEditor(QWidget):
    """One row per command: its keys, editable. A change applies and is saved at once,
    unless another command already uses the key (then it is refused with a note)."""

    def __init__(self, actions: Sequence[QAction], parent: QWidget | None = None):
        super().__init__(parent)
        self.actions_ = [a for a in actions if a.property(_DEFAULTS) is not None]
        self.table = QTableWidget(len(self.actions_), 3)
        self.table.setHorizontalHeaderLabels(["Command", "Key", ""])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.edits: list[QKeySequenceEdit] = []
        for row, action in enumerate(self.actions_):
            self.table.setItem(row, 0, QTableWidgetItem(action.text().replace("&", "")))
            edit = QKeySequenceEdit(action.shortcut())
            edit.setMaximumSequenceLength(1)
            edit.setClearButtonEnabled(True)
            edit.editingFinished.connect(lambda r=row: self._changed(r))
            edit.keySequenceChanged.connect(lambda _s, r=row: self._cleared(r))
            _in_words(edit)
            self.table.setCellWidget(row, 1, edit)
            self.edits.append(edit)
            reset = QPushButton("Default")
            reset.setAutoDefault(False)  # Enter in the dialog never resets a key
            reset.clicked.connect(lambda _=False, r=row: self.reset(r))
            self.table.setCellWidget(row, 2, reset)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.note = QLabel("Click a key, then press the new one. Changes are saved at once.")
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addWidget(self.note)
        # The tab opens on the list (it opened on the first row's Default button, where
        # Enter reset that command's key); Enter on a row goes to its key.
        self.setFocusProxy(self.table)
        if self.actions_:
            self.table.setCurrentCell(0, 0)
        self.table.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Enter on the list: edit the current row's key (not the dialog's Close)."""
        if (
            watched is self.table
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and 0 <= self.table.currentRow() < len(self.edits)
        ):
            self.edits[self.table.currentRow()].setFocus()
            return True
        return super().eventFilter(watched, event)

    def set_key(self, row: int, key: QKeySequence) -> bool:
        """Give command ``row`` the key ``key`` (empty: none). False if another has it."""
        action = self.actions_[row]
        if not key.isEmpty():
            use = shortcuts.fixed_key_use(key)
            if use:
                self.note.setText(f"{shown_key(key)} is kept for {use}; pick another key.")
                self._show(row)
                return False
            for other in self._window_actions():
                if other is not action and key in other.shortcuts():
                    self.note.setText(
                        f"{shown_key(key)} is already used by "
                        f"“{other.text().replace('&', '')}”; pick another key."
                    )
                    self._show(row)
                    return False
        action.setShortcuts([key] if not key.isEmpty() else [])
        save_keys(action.objectName(), action.shortcuts())
        self.note.setText(f"Saved: {action.text().replace('&', '')} = {shown_key(key) or 'none'}")
        return True

    def _window_actions(self) -> list[QAction]:
        """The commands, then every other action with keys in their window (the browser's
        and the review's, when shown): a key may belong to one of them only."""
        found = list(self.actions_)
        window = self.actions_[0].parent() if self.actions_ else None
        if isinstance(window, QWidget):
            found += [a for a in window.findChildren(QAction) if a not in found and a.shortcuts()]
        return found

    def reset(self, row: int) -> None:
        action = self.actions_[row]
        action.setShortcuts(default_keys(action))
        save_keys(action.objectName(), None)
        self._show(row)
        self.note.setText(f"{action.text().replace('&', '')}: back to its default key")

    def _show(self, row: int) -> None:
        edit = self.edits[row]
        edit.blockSignals(True)
        edit.setKeySequence(self.actions_[row].shortcut())
        edit.blockSignals(False)
        _in_words(edit)

    def _changed(self, row: int) -> None:
        self.set_key(row, self.edits[row].keySequence())

    def _cleared(self, row: int) -> None:
        _in_words(self.edits[row])  # a key just pressed: Qt wrote "Return" in the box
        if self.edits[row].keySequence().isEmpty():  # the clear button
            self.set_key(row, QKeySequence())


def _in_words(edit: QKeySequenceEdit) -> None:
    """Show ``edit``'s key in the list's words (Qt's own box writes "Return")."""
    box = edit.findChild(QLineEdit)
    if box is not None and not edit.keySequence().isEmpty():
        box.setText(shown_key(edit.keySequence()))
