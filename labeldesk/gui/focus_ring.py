"""A ring around the list, table, grid, plot or map that has the keyboard focus.

Fusion marks focus on buttons, fields, boxes and checkboxes, but not on the views built
on a scroll area: with the thumbnail grid, the class list, the tables of Statistics,
Training and Dataset versions, the plots and the map, a keyboard user could not see
where a key would go (the grid's selected tile looks the same with the focus in the
sidebar). The ring is a child drawn over the view's edge in the highlight colour, so it
is never clipped by a neighbour and never takes a click.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QEvent, QObject, QRectF, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QWidget

RING_WIDTH = 2


def wants_ring(widget: QWidget | None) -> bool:
    """Views Fusion draws no focus for; not those in a popup (a combo box's list)."""
    if not isinstance(widget, QAbstractScrollArea):
        return False
    return widget.window().windowType() != Qt.WindowType.Popup


class FocusRing(QWidget):
    """The ring itself: the size of its view, painted on top, transparent to the mouse."""

    def __init__(self, view: QWidget):
        super().__init__(view)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setObjectName("focusRing")
        self.setGeometry(view.rect())
        view.installEventFilter(self)
        self.raise_()
        self.show()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and isinstance(watched, QWidget):
            self.setGeometry(watched.rect())
        elif event.type() == QEvent.Type.ChildAdded:
            self.raise_()  # stays above a viewport or scroll bar added later
        return False

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        pen = QPen(self.palette().color(QPalette.ColorRole.Highlight), RING_WIDTH)
        pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        painter.setPen(pen)
        half = RING_WIDTH / 2
        painter.drawRect(QRectF(self.rect()).adjusted(half, half, -half, -half))
        painter.end()


class FocusRings(QObject):
    """Puts a :class:`FocusRing` on whichever view gets the focus, in every window of
    the application (dialogs too), and takes it away when the focus leaves."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.ring: FocusRing | None = None
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)
            self._focus_changed(None, app.focusWidget())

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        ring = self.ring
        if ring is not None and shiboken6.isValid(ring):
            if ring.parentWidget() is new:
                return
            view = ring.parentWidget()
            if view is not None:
                view.removeEventFilter(ring)
            ring.hide()
            ring.deleteLater()
        self.ring = FocusRing(new) if new is not None and wants_ring(new) else None


def keyboard_focus_shown(widget: QWidget) -> bool:
    """Does ``widget``'s window mark its focus (the last focus change was by keyboard, as
    Tab; a click clears it)? Fusion draws a button's or a box's focus frame only then."""
    return widget.window().testAttribute(Qt.WidgetAttribute.WA_KeyboardFocusChange)


def show_keyboard_focus(widget: QWidget) -> None:
    """Mark the focus in ``widget``'s window again, for a keyboard user whose focus the
    app moved: Qt drops the mark when a focused button is disabled (the focus falls on)
    or when the app sets the focus, and the user would lose sight of it."""
    widget.window().setAttribute(Qt.WidgetAttribute.WA_KeyboardFocusChange, True)
    focus = QApplication.focusWidget()
    if focus is not None:
        focus.update()
