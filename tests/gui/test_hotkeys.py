"""Changing a command's key: applied at once, saved, refused when taken, resettable."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence

from labeldesk.gui import hotkeys
from labeldesk.gui.dialogs import ShortcutsDialog
from labeldesk.gui.main_window import MainWindow


def row_of(editor: hotkeys.HotkeysEditor, name: str) -> int:
    return next(i for i, a in enumerate(editor.actions_) if a.objectName() == name)


def test_a_changed_key_applies_at_once_and_survives_a_restart(qtbot, window):
    assert window.menus.rescan_action.objectName() == "rescan_folder"
    dialog = ShortcutsDialog(window, window.menus.command_actions())
    qtbot.addWidget(dialog)
    editor = dialog.editor
    assert editor is not None and dialog.tabs.count() == 2
    assert editor.set_key(row_of(editor, "rescan_folder"), QKeySequence("Ctrl+R"))
    assert window.menus.rescan_action.shortcut() == QKeySequence("Ctrl+R")
    again = MainWindow()  # a new session reads the saved key
    qtbot.addWidget(again)
    assert again.menus.rescan_action.shortcut() == QKeySequence("Ctrl+R")
    assert again.menus.embed_action.shortcut() == QKeySequence("Ctrl+E")  # others unchanged


def test_a_key_already_in_use_is_refused_and_reset_restores_the_default(qtbot, window):
    dialog = ShortcutsDialog(window, window.menus.command_actions())
    qtbot.addWidget(dialog)
    editor = dialog.editor
    assert editor is not None
    row = row_of(editor, "rescan_folder")
    assert not editor.set_key(row, QKeySequence("Ctrl+E"))  # Compute embeddings has it
    assert "already used by “Compute embeddings”" in editor.note.text()
    assert window.menus.rescan_action.shortcut() == QKeySequence("F5")
    assert editor.edits[row].keySequence() == QKeySequence("F5")
    assert editor.set_key(row, QKeySequence())  # no key at all is allowed
    assert window.menus.rescan_action.shortcuts() == []
    assert hotkeys.saved_keys("rescan_folder") == []
    editor.reset(row)
    assert window.menus.rescan_action.shortcut() == QKeySequence("F5")
    assert hotkeys.saved_keys("rescan_folder") is None


def test_labeling_and_review_keys_cannot_be_given_to_a_command(qtbot, window):
    dialog = ShortcutsDialog(window, window.menus.command_actions())
    qtbot.addWidget(dialog)
    editor = dialog.editor
    assert editor is not None
    row = row_of(editor, "rescan_folder")
    keys = [("3", "labeling with a class"), ("X", "excluding"), ("Space", "keeping")]
    # A class letter or X typed as a capital does what the letter does (Shift+A labels)
    keys += [("Shift+A", "labeling with a class"), ("Shift+X", "excluding")]
    for key, use in keys:
        assert not editor.set_key(row, QKeySequence(key))
        assert f"kept for {use}" in editor.note.text()
        assert window.menus.rescan_action.shortcut() == QKeySequence("F5")
    assert editor.set_key(row, QKeySequence("Ctrl+Shift+X"))  # with Ctrl it is free


def test_the_key_editor_names_the_return_key_enter_as_the_list_does(qtbot, window):
    """The Customise keys tab showed Qt's "Return" (in the key box and its notes) where
    the list and the README say Enter; the saved key stays Qt's portable text."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLineEdit

    dialog = ShortcutsDialog(window, window.menus.command_actions())
    qtbot.addWidget(dialog)
    dialog.show()
    editor = dialog.editor
    assert editor is not None
    row = row_of(editor, "rescan_folder")
    edit = editor.edits[row]
    box = edit.findChild(QLineEdit)
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "Saved" in editor.note.text())
    assert window.menus.rescan_action.shortcut() == QKeySequence("Ctrl+Return")
    assert settings_text("rescan_folder") == "Ctrl+Return"  # stored as Qt writes it
    assert box.text() == "Ctrl+Enter"
    assert editor.note.text() == "Saved: Rescan folder = Ctrl+Enter"
    assert not editor.set_key(row, QKeySequence("Return"))  # kept for the review
    assert editor.note.text().startswith("Enter is kept for ")
    assert box.text() == "Ctrl+Enter"  # the row shows its key again, in the same words
    other = row_of(editor, "compute_embeddings")
    assert not editor.set_key(other, QKeySequence("Ctrl+Return"))
    assert editor.note.text().startswith("Ctrl+Enter is already used by ")
    assert editor.edits[other].findChild(QLineEdit).text() == "Ctrl+E"


def settings_text(name: str) -> str:
    from labeldesk.gui import settings

    return str(settings.settings().value(hotkeys.PREFIX + name))
