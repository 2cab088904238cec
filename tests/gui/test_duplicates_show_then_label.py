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


def test_the_groups_window_shows_a_label_given_in_the_browser(qtbot, duplicates):  # noqa: F811
    """The groups kept showing the old label (and no "labels disagree") until reopened."""
    window, stats = duplicates
    dialog = open_groups(qtbot, window, stats, "leaking")
    tile = next(t for t in dialog.boxes[0].tiles if t.member.path == LEAK[1])
    qtbot.mouseClick(tile.open_button, Qt.MouseButton.LeftButton)
    assert window.view.model.paths_of_rows(window.view.grid.selected_rows()) == [LEAK[1]]
    key = window.project.classes().index("dog") + 1
    qtbot.keyClick(window.view.grid, str(key))  # a class key in the browser
    qtbot.waitUntil(lambda: "labels disagree" in dialog.boxes[0].title())
    assert "dog in test" in dialog.boxes[0].title()
    facts = {t.member.path: t.facts.text() for t in dialog.boxes[0].tiles}
    assert facts == {LEAK[1]: "dog · test", LEAK[0]: "cat · train"}
