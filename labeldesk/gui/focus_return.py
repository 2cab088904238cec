"""The keyboard goes back to the window under a window that closes, also where no window
manager gives it back.

A window manager activates the window below one that closes. Without one (Xvfb, some
remote desktops) nothing did: after Esc closed the Keyboard shortcuts list, the result of
Verify an export… or any other dialog, no window of the app had the keyboard, and every
key (Ctrl+T, a label key) did nothing until a click in the main window. The app's own
windows are shown in front with the keyboard already (:func:`dialogs.show_in_front`);
this is the other half.

Only a window that closed hands the keyboard on: when the app loses it to another
program, the window that had it is still open and nothing is activated.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QGuiApplication, QWindow
from PySide6.QtWidgets import QApplication, QMainWindow
from shiboken6 import isValid

_installed: list[FocusReturn] = []  # one per application, kept alive with it


class FocusReturn(QObject):
    """Follows the application's focus window; when it closes (hidden while it has the
    keyboard: Qt then drops the focus window without a signal) and no window has the
    keyboard, activates the window it was opened over (else the main window)."""

    def __init__(self, app: QGuiApplication):
        super().__init__(app)
        self._last: QWindow | None = None  # the focus window, while the app has one
        self._under: QWindow | None = None  # the window ``_last`` was opened over
        app.focusWindowChanged.connect(self._focus_changed)

    def _focus_changed(self, window: QWindow | None) -> None:
        if window is self._last:
            return
        if self._last is not None and isValid(self._last):
            self._last.visibleChanged.disconnect(self._visible_changed)
        # None: another program has the keyboard; its window closing later hands on nothing
        self._last, self._under = None, None
        if window is not None and isValid(window):  # (a popup may be gone already)
            self._last, self._under = window, window.transientParent()
            window.visibleChanged.connect(self._visible_changed)

    def _visible_changed(self, visible: bool) -> None:
        if not visible:
            under = self._under
            QTimer.singleShot(0, lambda: self._give_back(under))

    @staticmethod
    def _give_back(under: QWindow | None) -> None:
        if QGuiApplication.focusWindow() is not None:  # a window manager gave it already
            return
        if under is not None and isValid(under) and under.isVisible():
            under.requestActivate()
            return
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QMainWindow) and widget.isVisible():
                widget.activateWindow()
                return


def install(app: QGuiApplication) -> None:
    """Give the keyboard back when a window of ``app`` closes (once per application)."""
    if not any(isValid(f) and f.parent() is app for f in _installed):
        _installed.append(FocusReturn(app))
