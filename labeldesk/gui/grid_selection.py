"""The grid's keys, selection and rubber band: :class:`SelectsTiles`, the part of
:class:`~labeldesk.gui.thumbnail_grid.ThumbnailGrid` that moves the cursor by the grid's
arithmetic, selects ranges in reading order (a Shift key or click from the anchor, a
rubber band, Ctrl+A as one range), reads the selected rows once per selection and
restores a selection after the rows were read again."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import (
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    Qt,
)
from PySide6.QtGui import QKeyEvent, QMouseEvent, QRegion
from PySide6.QtWidgets import QAbstractItemView

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance
    from PySide6.QtWidgets import QListView

    from labeldesk.gui.grid_layout import GridGeometry

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

if TYPE_CHECKING:  # the grid's base, for the type checker: the mixin is a plain class
    _GridBase = QListView
else:
    _GridBase = object


class SelectsTiles(_GridBase):
    """The thumbnail grid's keys, selection and rubber band (a mixin of
    :class:`~.thumbnail_grid.ThumbnailGrid`, listed before ``QListView`` so that its
    overrides of the view's virtual methods are the ones Qt calls)."""

    if TYPE_CHECKING:  # what it uses of the grid
        _geometry: GridGeometry
        _anchor: QPersistentModelIndex
        _band: QRect
        _press: QPoint
        _rows_of: tuple[tuple[tuple[int, int], ...], np.ndarray]
        openRequested: SignalInstance

        def visible_rows(self) -> range: ...

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
            self._rows_of = (spans, rows_in(spans))
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


def rows_in(spans: tuple[tuple[int, int], ...]) -> np.ndarray:
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
