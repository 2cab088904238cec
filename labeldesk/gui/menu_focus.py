"""The menu bar gives the keyboard back when a menu closes without a choice.

Alt+E, then Esc, closed the Edit menu but left the menu bar in its keyboard mode, its
title highlighted in no visible way: the arrows walked the menu titles and Enter opened
one, while the label keys (window shortcuts) still labeled the image selected in the
grid, which the person could no longer move. Qt leaves that mode on a second Esc; here
it is left as soon as no menu is open, and the keyboard goes back where it was.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QMenu, QMenuBar


def hand_back_focus(bar: QMenuBar) -> None:
    """After any of ``bar``'s menus closes, leave its keyboard mode unless another of
    its menus opened (the arrows move from one to the next)."""
    for action in bar.actions():
        menu = action.menu()
        if isinstance(menu, QMenu):
            menu.aboutToHide.connect(lambda: QTimer.singleShot(0, lambda: _leave(bar)))


def _leave(bar: QMenuBar) -> None:
    if QApplication.activePopupWidget() is not None or not bar.hasFocus():
        return  # another menu is open, or the bar has let go already
    # The bar's own way out of its keyboard mode: it gives focus back to the widget
    # that had it before.
    escape = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier)
    QCoreApplication.sendEvent(bar, escape)
