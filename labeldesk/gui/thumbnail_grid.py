"""The central grid: a list view whose layout is arithmetic, for very large models.

Tiles have one size and sit in reading order, so an item's place is ``row // columns``
and ``row % columns`` (:class:`GridGeometry`): nothing is laid out per item, painting asks
the model for the rows on screen only, and a million images open, scroll and take a
label key as quickly as a hundred. It stays a ``QListView`` (accessibility, keys, the
selection model) with every geometry hook replaced; QListView's own item layout never runs.

Thumbnail loading follows the scrolling through :class:`LoadPacer`. The keys, the
selection and the rubber band are :class:`~labeldesk.gui.grid_selection.SelectsTiles`;
the painting, :class:`~labeldesk.gui.grid_paint.PaintsTiles`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from labeldesk.gui.grid_layout import GridGeometry
from labeldesk.gui.grid_paint import PaintsTiles
from labeldesk.gui.grid_selection import AnyIndex, Base, SelectsTiles, rows_in
from labeldesk.gui.image_model import ImageListModel
from labeldesk.gui.load_pacer import LoadPacer
from labeldesk.gui.thumbnails import ThumbnailLoader
from labeldesk.gui.tile_delegate import TileDelegate, TileMetrics


class ThumbnailGrid(SelectsTiles, PaintsTiles, QListView):
    selectionChangedRows = Signal()  # read them with selected_rows()
    openRequested = Signal(int)  # Enter: show this row's image large

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
        self._geometry = GridGeometry(0, 1, self.metrics.size.width(), self.metrics.size.height())
        self._anchor = QPersistentModelIndex()  # where a Shift range starts
        self._band = QRect()  # rubber band, content coordinates
        self._press = QPoint()  # where the mouse went down, content coordinates
        self._revealing = False  # the current tile goes to the middle once shown
        self._rows_of: tuple[tuple[tuple[int, int], ...], np.ndarray] = ((), rows_in(()))
        self.empty_text = ""  # drawn while no tile is shown: why (see set_empty_text)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setUniformItemSizes(True)
        self.setSpacing(0)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSelectionRectVisible(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        # Always shown: a scrollbar appearing would change the width and the column count.
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setDragEnabled(False)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setItemDelegate(TileDelegate(self.metrics, self))
        self.setModel(model)
        if loader is not None:
            self._pacer = LoadPacer(self, loader)
        self.selectionModel().selectionChanged.connect(self._emit_selection)
        model.modelReset.connect(self._model_reset)
        self._relayout()

    def image_model(self) -> ImageListModel:
        model = self.model()
        assert isinstance(model, ImageListModel)
        return model

    # -- geometry --------------------------------------------------------------------
    def _relayout(self) -> None:
        """Columns from the viewport width, the scroll range from the row count."""
        model = self.model()
        base = self.metrics.size
        geo = GridGeometry.fit(
            model.rowCount() if model is not None else 0,
            self.viewport().width(),
            base.width(),
            base.height(),
        )
        changed = geo != self._geometry
        self._geometry = geo
        if self.gridSize() != QSize(geo.cell_width, geo.cell_height):
            self.setGridSize(QSize(geo.cell_width, geo.cell_height))  # read by callers
        bar = self.verticalScrollBar()
        page = self.viewport().height()
        bar.setRange(0, max(0, geo.height - page))
        bar.setPageStep(max(1, page))
        bar.setSingleStep(max(1, geo.cell_height // 3))
        self.horizontalScrollBar().setRange(0, 0)
        if changed:
            self.viewport().update()

    def grid_geometry(self) -> GridGeometry:
        return self._geometry

    def doItemsLayout(self) -> None:
        Base.doItemsLayout(self)  # geometry and a repaint; no per-item layout

    def updateGeometries(self) -> None:
        self._relayout()
        Base.updateGeometries(self)

    def resizeEvent(self, event: QResizeEvent) -> None:
        Base.resizeEvent(self, event)
        self._relayout()
        if self._revealing:
            self._reveal()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._revealing:
            self._reveal()

    def reveal_current(self) -> None:
        """Scroll the current tile to the middle of the grid, now if the grid is shown,
        else once it is laid out (a reopened project's image is chosen before the window
        has its size: scrolled to then, it ended up off screen)."""
        self._revealing = True
        self._reveal()

    def _reveal(self) -> None:
        if not self.isVisible() or self.viewport().height() <= 0:
            return
        self.scrollTo(self.currentIndex(), QAbstractItemView.ScrollHint.PositionAtCenter)
        # The layout's other resizes of this turn of the event loop follow the tile too.
        QTimer.singleShot(0, self, self._stop_revealing)

    def _stop_revealing(self) -> None:
        self._revealing = False

    def horizontalOffset(self) -> int:
        return 0

    def verticalOffset(self) -> int:
        return self.verticalScrollBar().value()

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        self.viewport().scroll(0, dy)

    def isIndexHidden(self, index: AnyIndex) -> bool:
        return False

    def _content_rect(self, row: int) -> QRect:
        return QRect(*self._geometry.cell(row))

    def visualRect(self, index: AnyIndex) -> QRect:
        if not index.isValid() or not 0 <= index.row() < self._geometry.count:
            return QRect()
        return self._content_rect(index.row()).translated(0, -self.verticalOffset())

    def indexAt(self, point: QPoint) -> QModelIndex:
        row = self._geometry.row_at(point.x(), point.y() + self.verticalOffset())
        return self.model().index(row, 0) if row >= 0 else QModelIndex()

    def scrollTo(
        self,
        index: AnyIndex,
        hint: QAbstractItemView.ScrollHint = QAbstractItemView.ScrollHint.EnsureVisible,
    ) -> None:
        if not index.isValid() or not 0 <= index.row() < self._geometry.count:
            return
        rect = self._content_rect(index.row())
        bar, page = self.verticalScrollBar(), self.viewport().height()
        value = bar.value()
        Hint = QAbstractItemView.ScrollHint
        if hint == Hint.PositionAtTop:
            value = rect.top()
        elif hint == Hint.PositionAtBottom:
            value = rect.bottom() + 1 - page
        elif hint == Hint.PositionAtCenter:
            value = rect.center().y() - page // 2
        elif rect.top() < value:
            value = rect.top()
        elif rect.bottom() + 1 > value + page:
            value = rect.bottom() + 1 - page
        bar.setValue(value)

    def visible_rows(self) -> range:
        """Rows on screen, and a line either side (reading order: one range)."""
        top = self.verticalOffset()
        rows = self._geometry.rows_in_band(top, top + self.viewport().height() - 1)
        per_line = self._geometry.columns
        return range(max(0, rows.start - per_line), min(self._geometry.count, rows.stop + per_line))

    # -- model and scrolling ------------------------------------------------------------------
    def rowsInserted(self, parent: AnyIndex, start: int, end: int) -> None:
        Base.rowsInserted(self, parent, start, end)
        self._relayout()

    def rowsAboutToBeRemoved(self, parent: AnyIndex, start: int, end: int) -> None:
        Base.rowsAboutToBeRemoved(self, parent, start, end)
        QTimer.singleShot(0, self._relayout)

    def dataChanged(
        self, top_left: AnyIndex, bottom_right: AnyIndex, roles: Sequence[int] = ()
    ) -> None:
        """Repaint the changed tiles that are on screen (or nothing)."""
        shown = self.visible_rows()
        first, last = max(top_left.row(), shown.start), min(bottom_right.row(), shown.stop - 1)
        if first > last:
            return
        if first == last:
            self.viewport().update(self.visualRect(self.model().index(first, 0)))
        else:
            self.viewport().update()

    def _model_reset(self) -> None:
        self._anchor = QPersistentModelIndex()
        self._relayout()
        self._emit_selection()

    def _emit_selection(self, *_: object) -> None:
        self.selectionChangedRows.emit()
