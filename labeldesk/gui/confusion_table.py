"""The confusion matrix as a heat-map (:class:`ConfusionTable`), for the statistics view:
a cell's colour from its share of its row's class, the columns headed by the classes'
label keys where their names do not fit."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPalette
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from labeldesk.core.display import format_percent
from labeldesk.gui import shortcuts

CORRECT_COLOUR = QColor("#2f7ed8")  # confusion diagonal
ERROR_COLOUR = QColor("#e0443c")  # confusion off-diagonal


def contrasting_text(background: QColor) -> QColor:
    """Black or white, whichever reads better on ``background``."""
    r, g, b = background.redF(), background.greenF(), background.blueF()
    return QColor("#000000") if 0.299 * r + 0.587 * g + 0.114 * b > 0.55 else QColor("#ffffff")


def blend(a: QColor, b: QColor, t: float) -> QColor:
    t = min(1.0, max(0.0, t))
    return QColor.fromRgbF(
        a.redF() + (b.redF() - a.redF()) * t,
        a.greenF() + (b.greenF() - a.greenF()) * t,
        a.blueF() + (b.blueF() - a.blueF()) * t,
    )


_OPEN_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space)  # a cell, as a click


class ConfusionTable(QTableWidget):
    """A confusion matrix as a heat-map: rows true class, columns predicted.

    A cell's colour grows with its share of its row's class (blue on the diagonal, red for
    mistakes), so a few errors in a big class still show. Clicking a cell emits the pair.
    When the class names do not fit above the columns (an elided "ankle…" or "t-shirt…"
    named no class), each column shows its class's label key (1-9, then A…, as the
    sidebar and the menus do) and each row's name carries it; they were numbered 1, 2, …,
    so the 10th class read "10" where the key that labels it is A. ``classes`` is in
    class-key order (the project's class list).
    """

    HEADER_PADDING = 14  # a header's margins and sort-indicator room, in pixels

    cellPairClicked = Signal(str, str)  # true class, predicted class

    def __init__(self, parent=None):
        super().__init__(parent)
        self.classes: list[str] = []
        self.matrix: list[list[int]] = []
        self.keyed: bool | None = None  # None: not fitted to the width yet
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.horizontalHeader().setTextElideMode(Qt.TextElideMode.ElideRight)
        self.horizontalHeader().setMinimumSectionSize(28)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setMinimumSectionSize(16)
        self.setTabKeyNavigation(False)  # Tab leaves the table; arrows pick a cell
        self.cellClicked.connect(self._clicked)

    def set_matrix(self, classes: Sequence[str], matrix: Sequence[Sequence[int]]) -> None:
        self.classes = list(classes)
        self.matrix = [list(map(int, row)) for row in matrix]
        n = len(self.classes)
        self.clear()
        self.setRowCount(n)
        self.setColumnCount(n)
        self.setVerticalHeaderLabels(self.classes)
        self.setHorizontalHeaderLabels(self.classes)
        for k, name in enumerate(self.classes):
            key = shortcuts.class_key(k)
            for header in (self.horizontalHeaderItem(k), self.verticalHeaderItem(k)):
                if header is not None:
                    header.setToolTip(f"{name} (key {key})" if key else name)
        for i in range(n):
            total = sum(self.matrix[i]) if i < len(self.matrix) else 0
            for j in range(n):
                count = self.matrix[i][j] if i < len(self.matrix) else 0
                item = QTableWidgetItem(str(count))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                share = count / total if total else 0.0
                item.setData(Qt.ItemDataRole.UserRole, share)
                item.setToolTip(
                    f"{count} labeled {self.classes[i]} that the model thinks "
                    f"{'is' if count == 1 else 'are'} "
                    f"{self.classes[j]}"
                    + (f" ({format_percent(share)} of {self.classes[i]})" if total else "")
                    + ("\nClick to see them in the browser" if count else "")
                )
                self.setItem(i, j, item)
        self._paint_cells()
        self.keyed = None
        self._fit_headers()

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._fit_headers()

    def _fit_headers(self) -> None:
        """Names above the columns when the widest fits its column, else class keys."""
        n = len(self.classes)
        if not n:
            return
        metrics = self.horizontalHeader().fontMetrics()
        widest = max(metrics.horizontalAdvance(name) for name in self.classes)
        keyed = self.viewport().width() / n < widest + self.HEADER_PADDING
        if keyed == self.keyed:
            return
        self.keyed = keyed
        for k, name in enumerate(self.classes):
            column, row = self.horizontalHeaderItem(k), self.verticalHeaderItem(k)
            mark = class_mark(k)
            if column is not None:
                column.setText(mark if keyed else name)
            if row is not None:
                row.setText(f"{mark}  {name}" if keyed else name)

    def changeEvent(self, event):
        if event.type() == QEvent.Type.PaletteChange:
            self._paint_cells()
        super().changeEvent(event)

    def _paint_cells(self) -> None:
        base = self.palette().color(QPalette.ColorRole.Base)
        text = self.palette().color(QPalette.ColorRole.Text)
        for i in range(self.rowCount()):
            for j in range(self.columnCount()):
                item = self.item(i, j)
                if item is None:
                    continue
                share = float(item.data(Qt.ItemDataRole.UserRole) or 0.0)
                if share <= 0:
                    item.setBackground(base)
                    item.setForeground(text)
                    continue
                hue = CORRECT_COLOUR if i == j else ERROR_COLOUR
                colour = blend(base, hue, 0.15 + 0.85 * share)
                item.setBackground(colour)
                item.setForeground(contrasting_text(colour))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter, Return or Space on the current cell opens it, as a click does."""
        if event.key() in _OPEN_KEYS and self.currentRow() >= 0 and self.currentColumn() >= 0:
            self._clicked(self.currentRow(), self.currentColumn())
            return
        super().keyPressEvent(event)

    def _clicked(self, row: int, column: int) -> None:
        if 0 <= row < len(self.classes) and 0 <= column < len(self.classes):
            self.cellPairClicked.emit(self.classes[row], self.classes[column])


def class_mark(n: int) -> str:
    """A short header for the ``n``-th class: its label key; past the last key (more
    than 33 classes) its place, "#34", which no key reads like."""
    return shortcuts.class_key(n) or f"#{n + 1}"
