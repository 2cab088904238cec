"""Where the main window goes on screen: the first one fits the screen's free area, in
its middle; later ones come back as they were left (size, place, toolbars and docks)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QMainWindow

from labeldesk.gui import settings

GEOMETRY_KEY = "window/geometry"
STATE_KEY = "window/state"
FIRST_SIZE = QSize(1400, 900)  # the first window, on a screen with room for it


def first_geometry(screen: QScreen | None) -> QRect | None:
    """The first window's place: :data:`FIRST_SIZE` within the screen's free area (at
    1366×768 the status bar, with its Cancel, fell off the bottom), with room left for
    the window's frame, in the middle of that area; None without a screen."""
    room = screen.availableGeometry() if screen is not None else QRect()
    if room.width() <= 0 or room.height() <= 0:
        return None
    size = FIRST_SIZE.boundedTo(QSize(room.width() * 95 // 100, room.height() * 92 // 100))
    place = QRect(QPoint(0, 0), size)
    place.moveCenter(room.center())
    return place


def place_window(window: QMainWindow) -> None:
    """Put ``window`` where it was left, or the first time where :func:`first_geometry` says."""
    place = first_geometry(QGuiApplication.primaryScreen())
    if place is None:
        window.resize(FIRST_SIZE)
    else:
        window.setGeometry(place)
    geometry = settings.load_bytes(GEOMETRY_KEY)
    if geometry is not None:
        window.restoreGeometry(geometry)
    state = settings.load_bytes(STATE_KEY)
    if state is not None:
        window.restoreState(state)


def save_place(window: QMainWindow) -> None:
    """Remember where ``window`` is, for :func:`place_window` next time."""
    settings.save_bytes(GEOMETRY_KEY, window.saveGeometry())
    settings.save_bytes(STATE_KEY, window.saveState())
