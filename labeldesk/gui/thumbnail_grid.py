"""The central grid: a list view whose layout is arithmetic, for very large models.

Tiles have one size and sit in reading order, so an item's place is ``row // columns``
and ``row % columns`` (:class:`GridGeometry`): nothing is laid out per item, painting asks
the model for the rows on screen only, and a million images open, scroll and take a
label key as quickly as a hundred. It stays a ``QListView`` (accessibility, keys, the
selection model) with every geometry hook replaced; QListView's own item layout never runs.

Thumbnail loading follows the scrolling through :class:`LoadPacer`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import (
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QRegion,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyleOptionRubberBand,
    QStyleOptionViewItem,
    QWidget,
)

from labeldesk.gui.grid_layout import GridGeometry
from labeldesk.gui.image_model import ImageListModel
from labeldesk.gui.load_pacer import LoadPacer
from labeldesk.gui.thumbnails import ThumbnailLoader
from labeldesk.gui.tile_delegate import TileDelegate, TileMetrics

AnyIndex = QModelIndex | QPersistentModelIndex
Base = QAbstractItemView  # QListView's item-layout overrides are skipped for these
_MOVES = {
    QAbstractItemView.CursorAction.MoveLeft: "left",
    QAbstractItemView.CursorAction.MoveRight: "right",
    QAbstractItemView.CursorAction.MoveUp: "up",
    QAbstractItemView.CursorAction.MoveDown: "down",
    QAbstractItemView.CursorAction.MovePrevious: "left",
    QAbstractItemView.CursorAction.MoveNext: "right",
    QAbstractItemView.CursorAction.MovePageUp: "page_up",
    QAbstractItemView.CursorAction.MovePageDown: "page_down",
    QAbstractItemView.CursorAction.MoveHome: "home",
    QAbstractItemView.CursorAction.MoveEnd: "end",
}


class ThumbnailGrid(QListView):
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
        self._rows_of: tuple[tuple[tuple[int, int], ...], np.ndarray] = ((), _rows_in(()))
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

    # -- keys and selection ---------------------------------------------------------------
    def moveCursor(
        self, action: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier
    ) -> QModelIndex:
        current = self.currentIndex()
        lines = max(1, self.viewport().height() // self._geometry.cell_height)
        row = self._geometry.move(current.row() if current.isValid() else -1, _MOVES[action], lines)
        return self.model().index(row, 0) if row >= 0 else QModelIndex()

    def selectionCommand(
        self, index: AnyIndex, event: QEvent | None = None
    ) -> QItemSelectionModel.SelectionFlag:
        """As QListView's; a command that starts a new selection also moves the anchor."""
        command = super().selectionCommand(index, event)
        if index.isValid() and not command & QItemSelectionModel.SelectionFlag.Current:
            self._anchor = QPersistentModelIndex(index)
        return command

    def selectAll(self) -> None:
        """Ctrl+A: every image, as one range. QListView's own asks the model for its row
        count once per row (it skips hidden rows; this grid hides none): 1M calls into
        Python, 1.4 s of the GUI thread at 1M images."""
        model, chosen = self.model(), self.selectionModel()
        rows = model.rowCount() if model is not None else 0
        if chosen is None or not rows:
            return
        everything = QItemSelection(model.index(0, 0), model.index(rows - 1, 0))
        chosen.select(everything, QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def setSelection(self, rect: QRect, command: QItemSelectionModel.SelectionFlag) -> None:
        """A rubber band selects the tiles it touches; a Shift click or key selects the
        images between the anchor and the current one in reading order."""
        model, geo, top = self.model(), self._geometry, self.verticalOffset()
        ranges: list[tuple[int, int]]
        if self.state() == QAbstractItemView.State.DragSelectingState:
            r = rect.normalized()
            ranges = geo.block(r.left(), r.top() + top, r.right(), r.bottom() + top)
        else:
            current = self.currentIndex()
            end = current.row() if current.isValid() else -1
            if end < 0:
                end = geo.row_at(rect.center().x(), rect.center().y() + top)
            start = self._anchor.row() if self._anchor.isValid() else end
            ranges = [] if end < 0 else [(min(start, end), max(start, end))]
        selection = QItemSelection()
        for first, last in ranges:
            selection.select(model.index(first, 0), model.index(last, 0))
        self.selectionModel().select(selection, command)

    def visualRegionForSelection(self, selection: QItemSelection) -> QRegion:
        """The on-screen part of ``selection`` (only its visible lines are looked at)."""
        region = QRegion()
        shown = self.visible_rows()
        for i in range(selection.size()):
            first = max(selection.at(i).top(), shown.start)
            last = min(selection.at(i).bottom(), shown.stop - 1)
            if first > last:
                continue
            a, b = (
                self.visualRect(self.model().index(first, 0)),
                self.visualRect(self.model().index(last, 0)),
            )
            if a.top() == b.top():
                region += a.united(b)
            else:
                region += QRect(0, a.top(), self.viewport().width(), b.bottom() - a.top() + 1)
        return region

    def keyboardSearch(self, search: str) -> None:
        """Typed letters are shortcuts here, not a jump-to-item search."""

    def selected_rows(self) -> np.ndarray:
        """Selected rows, sorted and read-only; built from the selection's ranges, and
        once per selection: one action asks several times (the labeling key, then the
        detail panel after its write) and a select-all of 1M built the same rows each
        time. Kept by the ranges themselves, so a changed selection is never stale."""
        selection = self.selectionModel().selection()
        spans = tuple(
            (selection.at(i).top(), selection.at(i).bottom()) for i in range(selection.size())
        )
        if spans != self._rows_of[0]:
            self._rows_of = (spans, _rows_in(spans))
        return self._rows_of[1]

    def selected_count(self) -> int:
        """How many rows are selected (from the ranges: no array of them is made)."""
        return _selected_count(self.selectionModel().selection())

    def anchor_row(self) -> int:
        """The row a Shift-click or Shift+arrow extends from (-1: none)."""
        return self._anchor.row() if self._anchor.isValid() else -1

    def restore_selection(self, rows: np.ndarray, current: int, anchor: int = -1) -> None:
        """Select exactly ``rows`` (ascending), make ``current`` the current tile (-1:
        none) and ``anchor`` the row a Shift-click extends from (-1: the current one),
        without scrolling: after the rows were read again, the person's selection stays
        as it was, and nothing they did not choose is selected."""
        model, selection = self.model(), QItemSelection()
        if len(rows):
            breaks = np.flatnonzero(np.diff(rows) != 1)
            starts = np.concatenate([[rows[0]], rows[breaks + 1]])
            ends = np.concatenate([rows[breaks], [rows[-1]]])
            for first, last in zip(starts.tolist(), ends.tolist(), strict=True):
                selection.select(model.index(first, 0), model.index(last, 0))
        chosen = self.selectionModel()
        chosen.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        index = model.index(current, 0) if current >= 0 else QModelIndex()
        chosen.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)
        start = model.index(anchor, 0) if anchor >= 0 else index
        if start.isValid():
            self._anchor = QPersistentModelIndex(start)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Esc narrows a selection of many to the current image (after Ctrl+A, one
        stray key would label them all); Enter asks for the current image large."""
        current = self.currentIndex()
        if (
            event.key() == Qt.Key.Key_Escape
            and event.modifiers() == Qt.KeyboardModifier.NoModifier
            and current.isValid()
            and _selected_count(self.selectionModel().selection()) > 1
        ):
            self.select_row(current.row())
            event.accept()
            return
        if (
            event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            == Qt.KeyboardModifier.NoModifier
            and current.isValid()
        ):
            self.openRequested.emit(current.row())  # shown large
            event.accept()
            return
        super().keyPressEvent(event)

    def select_row(self, row: int) -> None:
        """Make ``row`` the only selected, current and visible tile."""
        index = self.model().index(row, 0)
        if not index.isValid():
            return
        self._anchor = QPersistentModelIndex(index)
        self.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
        self.scrollTo(index)

    # -- mouse (the rubber band) --------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._press = event.position().toPoint() + QPoint(0, self.verticalOffset())
        Base.mousePressEvent(self, event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        Base.mouseMoveEvent(self, event)
        if self.state() == QAbstractItemView.State.DragSelectingState:
            here = event.position().toPoint() + QPoint(0, self.verticalOffset())
            self._band = QRect(self._press, here).normalized()
            self.viewport().update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        Base.mouseReleaseEvent(self, event)
        if not self._band.isNull():
            self._band = QRect()
            self.viewport().update()

    # -- painting ---------------------------------------------------------------------------
    def set_empty_text(self, text: str) -> None:
        """What the grid says while it shows no tile (the choices that hide them)."""
        if text != self.empty_text:
            self.empty_text = text
            self.viewport().update()

    def paintEvent(self, event: QPaintEvent) -> None:
        """The tiles that meet the dirty rectangle, nothing else."""
        area = event.rect()
        top = self.verticalOffset()
        painter = QPainter(self.viewport())
        option = QStyleOptionViewItem()
        self.initViewItemOption(option)
        model, delegate = self.model(), self.itemDelegate()
        selection = self.selectionModel()
        current = self.currentIndex()
        focused = self.hasFocus()
        base_state = option.state
        State = QStyle.StateFlag
        for row in self._geometry.rows_in_band(area.top() + top, area.bottom() + top):
            rect = self._content_rect(row).translated(0, -top)
            if not rect.intersects(area):
                continue
            index = model.index(row, 0)
            option.rect = rect
            state = base_state
            if selection.isSelected(index):
                state |= State.State_Selected
            if focused and index == current:
                state |= State.State_HasFocus
            option.state = state
            delegate.paint(painter, option, index)
        if self.empty_text and not model.rowCount():
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
            painter.drawText(
                self.viewport().rect().adjusted(24, 24, -24, -24), flags, self.empty_text
            )
        if not self._band.isNull() and self.isSelectionRectVisible():
            band = QStyleOptionRubberBand()
            band.initFrom(self)
            band.shape = band.shape.Rectangle
            band.opaque = False
            band.rect = self._band.translated(0, -top)
            self.style().drawControl(QStyle.ControlElement.CE_RubberBand, band, painter)
        painter.end()

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


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique`` for whole numbers, faster on large, mostly sorted input (a select-all
    of a million rows: a sort and a comparison, not np.unique's extra passes)."""
    values = np.sort(values)
    if len(values) < 2:
        return values
    keep = np.empty(len(values), dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def _rows_in(spans: tuple[tuple[int, int], ...]) -> np.ndarray:
    """The rows of ``spans`` (first, last), sorted, each once, read-only (kept)."""
    if spans:
        rows = sorted_unique(
            np.concatenate([np.arange(a, b + 1) for a, b in spans]).astype(np.int64)
        )
    else:
        rows = np.empty(0, dtype=np.int64)
    rows.setflags(write=False)
    return rows


def _selected_count(selection: QItemSelection) -> int:
    """How many rows ``selection`` holds, from its ranges (not a list of every index)."""
    return sum(selection.at(i).height() for i in range(selection.count()))
