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
    for key, use in [("3", "labeling with a class"), ("X", "excluding"), ("Space", "keeping")]:
        assert not editor.set_key(row, QKeySequence(key))
        assert f"kept for {use}" in editor.note.text()
        assert window.menus.rescan_action.shortcut() == QKeySequence("F5")
    assert editor.set_key(row, QKeySequence("Shift+X"))  # with a modifier it is free
