"""The browser's tiles at the pixels of the screen the window is on now.

The side thumbnails are decoded at (a tile's layout side times the screen's ratio) was
fixed when the project view was made: a window moved from a laptop at 100 % to a monitor
at 200 % (or a desktop whose scale was changed) kept 112-px tiles, drawn twice as large
and soft. :class:`TileSide` follows the view's device pixel ratio and, when it changes,
drops the loaded tiles (none is shown stretched) so they load again at the new side."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget

from labeldesk.gui.pixel_ratio import pixel_ratio

# the events that say a widget's ratio may have changed: its window moved to another
# screen (any Qt 6), or the ratio changed (Qt 6.6 and later)
_RATIO_EVENTS = {QEvent.Type.ScreenChangeInternal}
if hasattr(QEvent.Type, "DevicePixelRatioChange"):
    _RATIO_EVENTS.add(QEvent.Type.DevicePixelRatioChange)


class TileSide(QObject):
    """The side (screen pixels) to decode tiles at for ``view``; ``changed`` (a callable,
    called on the GUI thread) is told when it changes. :meth:`side` may be read from the
    loader's worker threads."""

    def __init__(self, view: QWidget, layout_side: int, changed: Callable[[], None]):
        super().__init__(view)
        self._view = view
        self._layout_side = layout_side
        self._changed = changed
        self._side = self._at_ratio()
        view.installEventFilter(self)

    def side(self) -> int:
        return self._side

    def _at_ratio(self) -> int:
        return round(self._layout_side * pixel_ratio(self._view))

    def follow(self) -> None:
        """Take the view's ratio now; when the side changes, say so."""
        side = self._at_ratio()
        if side != self._side:
            self._side = side
            self._changed()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._view and event.type() in _RATIO_EVENTS:
            self.follow()
        return False
