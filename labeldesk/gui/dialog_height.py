"""A dialog whose report under its form grows by several lines (the Export and Import
dialogs, New version): the dialog grows for it, rather than squeeze its rows, and gives
the room back when the report shrinks or goes. And a dialog's first size, no larger than
the screen (:func:`within_screen`)."""

from __future__ import annotations

import weakref

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QLayout, QWidget

# Room a window manager takes around a dialog: its title bar and frame (layout pixels)
FRAME_ROOM = QSize(16, 48)

# widget -> (the height it was left at by the last grow_to_fit, the height the person
# gave it by hand, or None): a height other than the first, above the least the layout
# allows, is the person's (the layout only ever raises it to that least)
_LEFT_AT: weakref.WeakKeyDictionary[QWidget, tuple[int, int | None]] = weakref.WeakKeyDictionary()


def lay_out_now(widget: QWidget, *inner: QLayout | None) -> None:
    """Lay out ``inner`` and then ``widget``'s own layout at once, so that its size hint
    is up to date (inner first: each tells the layout around it its new size)."""
    for layout in (*inner, widget.layout()):
        if layout is not None:
            layout.activate()


def grow_to_fit(widget: QWidget, *inner: QLayout | None) -> None:
    """Make a shown ``widget`` as tall as its content asks for now: a long report grows
    it, and a shorter one (or none) gives the room back, down to the height it had
    before. Before, it never shrank: one long message left a tall dialog with a blank
    gap after a short one replaced it. A dialog the person made taller by hand keeps
    that height as its least (a person who made it taller wants it so)."""
    if not widget.isVisible():
        return
    lay_out_now(widget, *inner)
    need = widget.sizeHint().height()
    now = widget.height()
    left_at, by_hand = _LEFT_AT.get(widget, (None, None))
    if now != left_at:  # resized since: by the person, or by the layout to its least
        by_hand = now if now > widget.minimumHeight() else None
    wanted = max(by_hand or 0, need)
    if wanted != now:
        widget.resize(widget.width(), wanted)
    _LEFT_AT[widget] = (widget.height(), by_hand)


def within_screen(widget: QWidget, width: int, height: int) -> QSize:
    """``width`` × ``height``, made no larger than the free area of ``widget``'s screen
    less a title bar and frame: a dialog opened at 980 × 680 on a laptop at 125 %
    (1366 × 768 is 1093 × 614 layout pixels) had its buttons below the screen's edge.
    (What no longer fits scrolls: the dialogs that use this hold a list or a scroll area.)"""
    screen = widget.screen()
    if screen is None:
        return QSize(width, height)
    room = screen.availableGeometry().size() - FRAME_ROOM
    return QSize(width, height).boundedTo(room)
