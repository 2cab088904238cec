"""Esc out of a menu gives the keyboard back to the page: the arrows walked the menu
titles (Enter opened one) while the label keys still labeled the grid's image."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from labeldesk.core.undo import pending_description


def _open_on_grid(qtbot, window, project):
    window.open_project(project.path)
    qtbot.waitUntil(lambda: window.view.model.rowCount() > 1, timeout=10000)
    window.show()
    window.activateWindow()
    qtbot.waitActive(window)
    grid = window.view.grid
    grid.select_row(0)
    grid.setFocus()
    qtbot.waitUntil(grid.hasFocus)
    return grid


def test_escape_from_a_menu_gives_the_keyboard_back_to_the_grid(qtbot, window, project):
    grid = _open_on_grid(qtbot, window, project)
    qtbot.keyClick(grid, Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)
    qtbot.wait(100)
    assert QApplication.activePopupWidget() is window.menus.edit_menu
    qtbot.keyClick(QApplication.activePopupWidget(), Qt.Key.Key_Escape)
    qtbot.wait(100)
    assert QApplication.activePopupWidget() is None
    assert grid.hasFocus() and not window.menuBar().hasFocus()  # it kept the keyboard
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Down)
    assert QApplication.activePopupWidget() is None  # no menu opened by the arrow


def test_arrows_from_one_menu_to_the_next_keep_a_menu_open(qtbot, window, project):
    grid = _open_on_grid(qtbot, window, project)
    qtbot.keyClick(grid, Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)
    qtbot.wait(100)
    qtbot.keyClick(QApplication.activePopupWidget(), Qt.Key.Key_Right)  # to Classes
    qtbot.wait(100)
    assert QApplication.activePopupWidget() is window.menus.classes_menu
    qtbot.keyClick(QApplication.activePopupWidget(), Qt.Key.Key_Escape)
    qtbot.wait(100)
    assert grid.hasFocus()


def test_the_undo_entry_names_what_it_would_take_back(qtbot, window, project):
    """Ctrl+Z after adding a class took back an older label (adding a class is not an
    undoable change), and the Edit menu only said "Undo label change"."""
    grid = _open_on_grid(qtbot, window, project)
    labeling = window.view.labeling
    edit = window.menus.edit_menu
    edit.aboutToShow.emit()
    # nothing of mine yet: said (it offered "Undo label change", which then did nothing)
    assert labeling.undo_action.text() == "&Undo (nothing of yours to undo)"
    classes = project.classes()
    qtbot.keyClick(grid, Qt.Key.Key_2)
    qtbot.waitUntil(lambda: pending_description(project.db) is not None)
    edit.aboutToShow.emit()
    # "label 1 image as …": "label 1 as 'bag'" read as the key 1, another class's
    assert labeling.undo_action.text() == f"&Undo “label 1 image as {classes[1]!r}”"
