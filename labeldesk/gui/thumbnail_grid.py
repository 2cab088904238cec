"""The central grid: a QListView in icon mode, tuned for very large models.

Uniform tile sizes and a static layout let Qt place 100k tiles without asking for each
one's size. While the view flies past tiles (more than a page within a tenth of a second,
as in a fling or a dragged scroll bar) the thumbnail loader pauses; after scrolling
settles, queued requests for tiles that left the screen are dropped and loading resumes,
so the loader works on what the user is looking at.
"""

from __future__ import annotations

import time
from collections import deque

import numpy as np
from PySide6.QtCore import QItemSelectionModel, QPoint, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from labeldesk.gui.image_model import ImageListModel
from labeldesk.gui.thumbnails import ThumbnailLoader
from labeldesk.gui.tile_delegate import TileDelegate, TileMetrics

PRUNE_DELAY_MS = 60  # after the last scroll step: drop off-screen requests, resume loading
SCROLL_WINDOW_S = 0.1  # how far back scroll speed is judged
FAST_SCROLL_PAGES = 1.0  # moved more than this within the window (in 2+ steps): flying past


class ThumbnailGrid(QListView):
    selectionChangedRows = Signal()  # read them with selected_rows()

    def __init__(
        self,
        model: ImageListModel,
        loader: ThumbnailLoader | None = None,
        metrics: TileMetrics | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self._loader = loader
        self.metrics = metrics or TileMetrics()
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(2000)
        self.setUniformItemSizes(True)
        self.setGridSize(self.metrics.size)
        self.setSpacing(0)
        self.setWrapping(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSelectionRectVisible(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        # Always shown: a scrollbar appearing would change the width and the column count.
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.verticalScrollBar().setSingleStep(self.metrics.size.height() // 3)
        self.setDragEnabled(False)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setItemDelegate(TileDelegate(self.metrics, self))
        self.setModel(model)
        self._prune_timer = QTimer(self, singleShot=True, interval=PRUNE_DELAY_MS)
        self._prune_timer.timeout.connect(self._prune_offscreen_requests)
        self._scroll_steps: deque[tuple[float, int]] = deque(maxlen=64)  # (time, pixels)
        self._scroll_value = 0
        self.verticalScrollBar().valueChanged.connect(self._scrolled)
        self.selectionModel().selectionChanged.connect(self._emit_selection)
        model.modelReset.connect(self._emit_selection)

    def image_model(self) -> ImageListModel:
        model = self.model()
        assert isinstance(model, ImageListModel)
        return model

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Widen the cells so the columns fill the width (no ragged right margin)."""
        base = self.metrics.size
        columns = max(1, self.viewport().width() // base.width())
        cell = QSize(max(base.width(), self.viewport().width() // columns), base.height())
        if cell != self.gridSize():
            self.setGridSize(cell)
        super().resizeEvent(event)

    def keyboardSearch(self, search: str) -> None:
        """Typed letters are shortcuts here, not a jump-to-item search."""

    def selected_rows(self) -> np.ndarray:
        """Selected rows, sorted; built from selection ranges so Ctrl+A on 100k is cheap."""
        selection = self.selectionModel().selection()
        ranges = [
            np.arange(selection.at(i).top(), selection.at(i).bottom() + 1)
            for i in range(selection.size())
        ]
        if not ranges:
            return np.empty(0, dtype=np.int64)
        return np.unique(np.concatenate(ranges)).astype(np.int64)

    def select_row(self, row: int) -> None:
        """Make ``row`` the only selected, current and visible tile."""
        index = self.model().index(row, 0)
        if not index.isValid():
            return
        self.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
        self.scrollTo(index)

    def visible_rows(self) -> range:
        """Rows on screen (tiles are laid out in reading order, so it is one range)."""
        count = self.model().rowCount()
        if not count:
            return range(0)
        size = self.gridSize()
        viewport = self.viewport().rect()
        first = self.indexAt(QPoint(size.width() // 2, size.height() // 2))
        last = self.indexAt(viewport.bottomLeft() + QPoint(size.width() // 2, -size.height() // 2))
        per_row = max(1, viewport.width() // size.width())
        start = first.row() if first.isValid() else 0
        stop = last.row() + per_row if last.isValid() else count
        return range(max(0, start - per_row), min(count, stop + per_row))

    def _scrolled(self, value: int) -> None:
        """Pause thumbnail loading while scrolling fast; settle (and resume) afterwards."""
        now = time.monotonic()
        steps = self._scroll_steps
        steps.append((now, abs(value - self._scroll_value)))
        self._scroll_value = value
        while now - steps[0][0] > SCROLL_WINDOW_S:
            steps.popleft()
        moved = sum(pixels for _, pixels in steps)
        # Two steps at least: a single jump (Page Down, a click in the scroll bar's
        # trough, scrollTo) never pauses loading.
        if self._loader is not None:
            if len(steps) > 1 and moved > FAST_SCROLL_PAGES * self.viewport().height():
                self._loader.set_paused(True)
            elif self._loader.paused:  # slowed down: load what is on screen now
                self._prune_offscreen_requests()
        self._prune_timer.start()

    def _prune_offscreen_requests(self) -> None:
        if self._loader is None:
            return
        rows = self.visible_rows()
        ids = self.image_model().rows_to_ids(np.arange(rows.start, rows.stop))
        self._loader.retain_pending(int(i) for i in ids)
        self._loader.set_paused(False)

    def _emit_selection(self, *_: object) -> None:
        self.selectionChangedRows.emit()
