"""The keys that would write, on a project opened read-only (its folder cannot be
written): their actions are off (greyed in the menus), and one catch-all action takes
their keys and says why in the status bar. Each press had opened a notice that must be
dismissed: a person pressing keys quickly met a storm of dialogs."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from labeldesk.core.read_only_db import read_only_refusal
from labeldesk.gui import shortcuts

# The browser's keys that write (its label keys, 0, X, undo, redo, add a class).
BROWSER_WRITING_KEYS: tuple[shortcuts.KeySpec, ...] = (
    *shortcuts.with_shift(shortcuts.LABEL_KEYS),
    *shortcuts.CLEAR_KEYS,
    *shortcuts.with_shift(shortcuts.EXCLUDE_KEYS),
    *shortcuts.UNDO_KEYS,
    *shortcuts.REDO_KEYS,
    *shortcuts.ADD_CLASS_KEYS,
)
# The review's (accept, a class, exclude, undo, redo, add a class); Space stays: it
# skips in the queue, and says why in the issues, where it would keep a label.
REVIEW_WRITING_KEYS: tuple[shortcuts.KeySpec, ...] = (
    *shortcuts.REVIEW_ACCEPT_KEYS,
    *shortcuts.with_shift(shortcuts.LABEL_KEYS),
    *shortcuts.with_shift(shortcuts.EXCLUDE_KEYS),
    *shortcuts.REVIEW_UNDO_KEYS,
    *shortcuts.REVIEW_REDO_KEYS,
    *shortcuts.ADD_CLASS_KEYS,
)


def read_only_key_text(reason: str) -> str:
    """What a key that would write says, in the status bar ("The project folder … is
    read-only: LabelDesk only reads it, nothing was saved; …")."""
    text = read_only_refusal(reason)
    return text[:1].upper() + text[1:]


def refuse_keys(
    widget: QWidget,
    actions: Sequence[QAction],
    keys: Sequence[shortcuts.KeySpec],
    say: Callable[[], None],
) -> QAction:
    """Turn ``actions`` off and give their ``keys`` (while ``widget`` or a child has the
    focus) to one action that calls ``say``; a disabled action's key is not its own."""
    for action in actions:
        action.setEnabled(False)
    catch = QAction(widget)
    catch.setObjectName("readOnlyKeys")
    catch.setShortcuts(shortcuts.sequences(keys))
    catch.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    catch.triggered.connect(lambda *_: say())
    widget.addAction(catch)
    return catch
