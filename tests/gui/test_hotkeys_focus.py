"""Help → Keyboard shortcuts → Change command keys: the tab opens with the list focused,
not the first row's Default button (Enter there reset that command's key)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from labeldesk.gui.dialogs import ShortcutsDialog


def test_the_editor_tab_focuses_the_list_and_enter_resets_nothing(qtbot, window):
    dialog = ShortcutsDialog(window, window.menus.command_actions())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    editor = dialog.editor
    assert editor is not None
    row = 0
    changed = QKeySequence("Ctrl+Alt+Shift+F9")
    assert editor.set_key(row, changed)
    dialog.table.setFocus()  # the "All keys" list, as the dialog opens
    bar = dialog.tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(1).center())
    assert dialog.tabs.currentWidget() is editor
    focus = dialog.focusWidget()  # (the dialog's, whichever window is active)
    assert focus is editor.table
    qtbot.keyClick(focus, Qt.Key.Key_Return)
    assert editor.actions_[row].shortcut() == changed  # not reset to its default
    assert dialog.isVisible()
    assert dialog.focusWidget() is editor.edits[row]  # Enter: on to the row's key


def test_the_dialog_opens_on_the_list_of_keys(qtbot, window):
    """It opened with the focus on its tab bar, drawn with no mark until a key was
    pressed there (Up and Down did nothing); the list takes it, ringed, arrows scroll."""
    dialog = ShortcutsDialog(window, window.menus.command_actions())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.focusWidget() is dialog.table
