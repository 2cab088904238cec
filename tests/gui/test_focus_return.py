"""A window that closes gives the keyboard back to the one it was opened over, also with no
window manager to do it (Xvfb, some remote desktops; the offscreen platform of these tests
behaves the same): after Esc closed Help → Keyboard shortcuts, no window of the app had the
keyboard and every key did nothing until a click in the main window."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from labeldesk.gui import focus_return
from labeldesk.gui.dialogs import ShortcutsDialog, show_in_front


@pytest.fixture
def giving_back():
    """The app's FocusReturn (``run`` installs it), taken away after the test."""
    app = QApplication.instance()
    follower = focus_return.FocusReturn(app)
    yield follower
    app.focusWindowChanged.disconnect(follower._focus_changed)
    follower.setParent(None)


def _dialog_in_front(qtbot, window) -> ShortcutsDialog:
    """The main window active, then a dialog shown in front of it, holding the keyboard."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    dialog = ShortcutsDialog(window, window.menus.command_actions())
    qtbot.addWidget(dialog)
    show_in_front(dialog)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    return dialog


def test_closing_a_dialog_gives_the_main_window_the_keyboard_back(qtbot, window, giving_back):
    dialog = _dialog_in_front(qtbot, window)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3_000)


def test_losing_the_keyboard_to_another_program_hands_on_nothing(
    qtbot, window, giving_back, monkeypatch
):
    """A window that closes after another program took the keyboard (a result shown at
    a job's end) activates nothing: the other program keeps it."""
    dialog = _dialog_in_front(qtbot, window)
    scheduled: list[object] = []
    monkeypatch.setattr(focus_return.QTimer, "singleShot", lambda *a: scheduled.append(a))
    giving_back._focus_changed(None)  # as when another program's window is activated
    dialog.close()
    assert scheduled == []
