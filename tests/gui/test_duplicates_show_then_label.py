"""*Show in browser* in the duplicate groups' window left the keyboard in that window: a
class key pressed to label the image just shown did nothing. The main window now takes
the keyboard, with the image selected in the grid, so the key labels it; the groups'
window stays open."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from gui.test_duplicates_dialog import LEAK, duplicates, open_groups  # noqa: F401


def test_a_class_key_after_show_in_browser_labels_the_image_shown(qtbot, duplicates):  # noqa: F811
    window, stats = duplicates
    project = window.project
    dialog = open_groups(qtbot, window, stats, "leaking")
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)  # the keyboard in it
    tile = next(t for t in dialog.boxes[0].tiles if t.member.path == LEAK[1])
    tile.open_button.setFocus()
    qtbot.keyClick(tile.open_button, Qt.Key.Key_Space)  # Show in browser, from the keyboard
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    grid = window.view.grid
    assert grid.hasFocus() and dialog.isVisible()
    key = project.classes().index("dog") + 1  # the key that labels dog
    qtbot.keyClick(QApplication.focusWidget(), str(key))  # where the keyboard is
    labels = project.images().set_index("path").label
    assert labels[LEAK[1]] == "dog" and labels[LEAK[0]] == "cat"
