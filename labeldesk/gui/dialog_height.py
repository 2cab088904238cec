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
    that height as its least (a person who made it taller wants it so).

    Never taller than its screen's free area (less a title bar), and moved up where its
    bottom would pass the screen's: a long report pushed the buttons off a 1366 × 768
    screen. What does not fit scrolls (the report is in a :class:`ReportArea`)."""
    if not widget.isVisible():
        return
    lay_out_now(widget, *inner)
    need = widget.sizeHint().height()
    now = widget.height()
    left_at, by_hand = _LEFT_AT.get(widget, (None, None))
    if now != left_at:  # resized since: by the person, or by the layout to its least
        by_hand = now if now > widget.minimumHeight() else None
    room = within_screen(widget, widget.width(), 1 << 20).height()
    wanted = max(min(max(by_hand or 0, need), room), widget.minimumHeight())
    if wanted != now:
        widget.resize(widget.width(), wanted)
    keep_on_screen(widget)
    _LEFT_AT[widget] = (widget.height(), by_hand)


def keep_on_screen(widget: QWidget) -> None:
    """Move a shown window up as far as its bottom (its frame's) passes the bottom of
    its screen's free area, no higher than that area's top."""
    screen = widget.screen()
    if screen is None or not widget.isWindow():
        return
    room = screen.availableGeometry()
    frame = widget.frameGeometry()
    bottom = frame.y() + max(frame.height(), widget.height() + FRAME_ROOM.height())
    over = bottom - (room.y() + room.height())
    if over > 0:
        widget.move(widget.x(), max(room.y(), frame.y() - over))


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
