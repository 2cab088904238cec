"""Help → Keyboard shortcuts: the list of every key names the keys a command has now.

After Rescan was moved to Ctrl+R on the second tab, the first tab (and the dialog opened
again) still listed F5 for "Rescan the image folder", and F5 did nothing."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence

from labeldesk.gui.dialogs import ShortcutsDialog
from labeldesk.gui.shortcuts import shortcut_table

RESCAN = "Rescan the image folder"


def keys_listed(dialog: ShortcutsDialog, action: str) -> str:
    table = dialog.table
    row = next(r for r in range(table.rowCount()) if table.item(r, 1).text() == action)
    return table.item(row, 0).text()


def test_the_list_names_a_changed_key_at_once_and_when_opened_again(qtbot, window):
    dialog = ShortcutsDialog(window, window.menus.command_actions())
    qtbot.addWidget(dialog)
    assert keys_listed(dialog, RESCAN) == "F5"
    editor = dialog.editor
    assert editor is not None
    dialog.tabs.setCurrentIndex(1)  # "Change command keys"
    row = next(i for i, a in enumerate(editor.actions_) if a.objectName() == "rescan_folder")
    assert editor.set_key(row, QKeySequence("Ctrl+R"))
    dialog.tabs.setCurrentIndex(0)  # back to the list
    assert keys_listed(dialog, RESCAN) == "Ctrl+R"

    again = ShortcutsDialog(window, window.menus.command_actions())
    qtbot.addWidget(again)
    assert keys_listed(again, RESCAN) == "Ctrl+R"
    assert keys_listed(again, "Compute embeddings for images that have none") == "Ctrl+E"
    listed = dict((action, keys) for keys, action in shortcut_table())
    for action in ("Search image paths", "Open a project", "Show this list"):
        assert keys_listed(again, action) == listed[action]  # unchanged: as always listed

    dialog.tabs.setCurrentIndex(1)
    assert editor.set_key(row, QKeySequence())  # no key at all
    dialog.tabs.setCurrentIndex(0)
    assert keys_listed(dialog, RESCAN) == "no key"
    dialog.tabs.setCurrentIndex(1)
    editor.reset(row)
    dialog.tabs.setCurrentIndex(0)
    assert keys_listed(dialog, RESCAN) == "F5"
