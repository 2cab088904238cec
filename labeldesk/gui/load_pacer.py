"""Thumbnail loading that follows the grid's scrolling.

While the view flies past tiles (more than a page within a tenth of a second, as in a
fling or a dragged scroll bar) the thumbnail loader pauses; after scrolling settles,
queued requests for tiles that left the screen are dropped and loading resumes, so the
loader works on what the user is looking at.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any, Protocol

import numpy as np
from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QScrollBar, QWidget

from labeldesk.gui.thumbnails import ThumbnailLoader

PRUNE_DELAY_MS = 60  # after the last scroll step: drop off-screen requests, resume loading
SCROLL_WINDOW_S = 0.1  # how far back scroll speed is judged
FAST_SCROLL_PAGES = 1.0  # moved more than this within the window (in 2+ steps): flying past


class PacedGrid(Protocol):
    """What the pacer needs of the grid (thumbnail_grid.ThumbnailGrid), without importing
    it: the grid imports this module."""

    def verticalScrollBar(self) -> QScrollBar: ...
    def viewport(self) -> QWidget: ...
    def visible_rows(self) -> range: ...
    def image_model(self) -> Any: ...


class LoadPacer(QObject):
    def __init__(self, grid: PacedGrid, loader: ThumbnailLoader):
        super().__init__(grid)  # type: ignore[arg-type]  # a QObject: the grid
        self._grid, self._loader = grid, loader
        self._prune_timer = QTimer(self, singleShot=True, interval=PRUNE_DELAY_MS)
        self._prune_timer.timeout.connect(self.prune_offscreen_requests)
        self._steps: deque[tuple[float, int]] = deque(maxlen=64)  # (time, pixels)
        self._value = 0
        grid.verticalScrollBar().valueChanged.connect(self._scrolled)

    def _scrolled(self, value: int) -> None:
        """Pause thumbnail loading while scrolling fast; settle (and resume) afterwards."""
        now = time.monotonic()
        steps = self._steps
        steps.append((now, abs(value - self._value)))
        self._value = value
        while now - steps[0][0] > SCROLL_WINDOW_S:
            steps.popleft()
        moved = sum(pixels for _, pixels in steps)
        # Two steps at least: a single jump (Page Down, a click in the scroll bar's
        # trough, scrollTo) never pauses loading.
        if len(steps) > 1 and moved > FAST_SCROLL_PAGES * self._grid.viewport().height():
            self._loader.set_paused(True)
        elif self._loader.paused:  # slowed down: load what is on screen now
            self.prune_offscreen_requests()
        self._prune_timer.start()

    def prune_offscreen_requests(self) -> None:
        rows = self._grid.visible_rows()
        ids = self._grid.image_model().rows_to_ids(np.arange(rows.start, rows.stop))
        self._loader.retain_pending(int(i) for i in ids)
        self._loader.set_paused(False)
