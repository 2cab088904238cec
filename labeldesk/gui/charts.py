"""Small chart and table widgets for the statistics view, coloured from the palette.

Text and axes take the widget's palette (so light and dark themes both read well); data
colours are fixed hues chosen to stay distinguishable on either background.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QCursor,
    QFontMetrics,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QPalette,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QToolTip,
)

from labeldesk.core.display import format_percent
from labeldesk.gui import shortcuts
from labeldesk.ml.models import ModelVersion

SPLIT_COLOURS = {"train": "#4e79a7", "val": "#f28e2b", "test": "#59a14f"}
CORRECT_COLOUR = QColor("#2f7ed8")  # confusion diagonal
ERROR_COLOUR = QColor("#e0443c")  # confusion off-diagonal
NONE = "—"
HISTORY_COLUMNS = (
    "Version", "Kind", "Trained", "Status", "Val acc", "Test acc", "Train imgs",
    "Frozen test acc", "Macro-F1", "ECE", "In use",
)  # fmt: skip
SCORE_COLUMN = 7  # the first column filled from the frozen test set
GROUP_WIDTH = 0.8  # of the unit spacing between classes
LEGEND_OFFSET = (-10, 10)  # the bar chart's legend, from the plot's top right corner
LEGEND_GAP = 4  # pixels between the legend and the tallest bar


class SplitBarChart(pg.PlotWidget):
    """Grouped bars: one group per class, one bar per split, class names on the x axis
    (elided when they do not fit: pointing at a group shows its whole name and counts)."""

    _ready = False  # Qt sends palette and resize events before __init__ has finished

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.setMinimumHeight(220)
        self.plot_item = self.getPlotItem()
        self.plot_item.setLabel("left", "images")
        self.plot_item.showGrid(x=False, y=True, alpha=0.25)
        self.legend = self.plot_item.addLegend(offset=LEGEND_OFFSET)
        self.bars: dict[str, pg.BarGraphItem] = {}
        self.class_names: list[str] = []
        self.counts: dict[str, list[int]] = {}
        self.scene().sigMouseMoved.connect(self._hovered)
        self._ready = True
        self._apply_palette()

    def set_counts(self, classes: Sequence[str], counts: Mapping[str, Sequence[int]]) -> None:
        """``counts[split][i]`` images of ``classes[i]`` in ``split``."""
        for item in self.bars.values():
            self.plot_item.removeItem(item)
        self.legend.clear()
        self.legend.setColumnCount(max(1, len(counts)))
        self.bars = {}
        self.class_names = list(classes)
        self.counts = {split: [int(n) for n in values] for split, values in counts.items()}
        splits = list(counts)
        width = GROUP_WIDTH / max(1, len(splits))
        for k, split in enumerate(splits):
            x = [i - GROUP_WIDTH / 2 + width * (k + 0.5) for i in range(len(classes))]
            colour = QColor(SPLIT_COLOURS.get(split, "#9c755f"))
            bar = pg.BarGraphItem(
                x=x, height=list(counts[split]), width=width * 0.92, brush=colour, pen=None
            )
            self.plot_item.addItem(bar)
            self.legend.addItem(bar, split)
            self.bars[split] = bar
        self.plot_item.setXRange(-0.6, len(classes) - 0.4, padding=0)
        self._fit_headroom()
        self._update_ticks()
        # what a screen reader reads for the bars (its name says what the chart is)
        groups = [self.group_text(i) for i in range(len(self.class_names))]
        self.setAccessibleDescription("; ".join(groups) if groups else "No classes yet")

    def _fit_headroom(self) -> None:
        """The y range with room above the tallest bar for the legend, in pixels: a
        fixed 20% was too little on a short chart (a 1280×720 screen), where the legend
        covered the tops of the last classes' bars."""
        top = max(1, max((max(v, default=0) for v in self.counts.values()), default=0))
        height = self.plot_item.vb.height()
        legend = self.legend.boundingRect().height() + LEGEND_OFFSET[1] + LEGEND_GAP
        if height > 0 and legend < height * 0.6:
            self.plot_item.setYRange(0, top * height / (height - legend), padding=0)
        else:  # not laid out yet, or too short for both: a fifth above the bars
            self.plot_item.setYRange(0, top * 1.2, padding=0)

    def group_at(self, scene_pos: QPointF) -> int | None:
        """The class whose group (bars or name below) is at ``scene_pos``, if any."""
        if not self.plot_item.sceneBoundingRect().contains(scene_pos):
            return None
        x = self.plot_item.vb.mapSceneToView(scene_pos).x()
        i = round(x)
        return i if 0 <= i < len(self.class_names) and abs(x - i) <= 0.5 else None

    def group_text(self, i: int) -> str:
        """A group's whole class name and its count in each split."""
        parts = " · ".join(f"{split} {values[i]:,}" for split, values in self.counts.items())
        return f"{self.class_names[i]}: {parts}" if parts else self.class_names[i]

    def _hovered(self, scene_pos: QPointF) -> None:
        i = self.group_at(scene_pos)
        if i is None:
            QToolTip.hideText()
        else:
            QToolTip.showText(QCursor.pos(), self.group_text(i), self)

    def bar_heights(self) -> dict[str, list[float]]:
        return {s: [float(h) for h in bar.opts["height"]] for s, bar in self.bars.items()}

    def resizeEvent(self, event):
        super().resizeEvent(event)
        if self._ready:
            self._fit_headroom()
            self._update_ticks()

    def changeEvent(self, event):
        if self._ready and event.type() == QEvent.Type.PaletteChange:
            self._apply_palette()
        super().changeEvent(event)

    def _update_ticks(self) -> None:
        """Class names under their groups, elided to the room each group has."""
        axis = self.plot_item.getAxis("bottom")
        n = max(1, len(self.class_names))
        room = max(24, int(self.plot_item.vb.width() / n) - 6)
        metrics = QFontMetrics(axis.font() if hasattr(axis, "font") else self.font())
        labels = [
            (i, metrics.elidedText(name, Qt.TextElideMode.ElideRight, room))
            for i, name in enumerate(self.class_names)
        ]
        axis.setTicks([labels, []])

    def _apply_palette(self) -> None:
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.WindowText)
        self.setBackground(palette.color(QPalette.ColorRole.Base))
        for name in ("left", "bottom"):
            axis = self.plot_item.getAxis(name)
            axis.setPen(pg.mkPen(text))
            axis.setTextPen(pg.mkPen(text))
        style_legend(self.legend, palette)


def style_legend(legend: pg.LegendItem, palette: QPalette) -> None:
    """The legend's names in the theme's text colour on its base colour, those already
    there too (``setLabelTextColor`` alone styles only names added later: pyqtgraph's
    default grey stays, faint on a light theme)."""
    text = palette.color(QPalette.ColorRole.WindowText)
    legend.setLabelTextColor(text)
    legend.setBrush(pg.mkBrush(palette.color(QPalette.ColorRole.Base)))
    for _sample, label in legend.items:
        label.setText(label.text, color=text)


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


TOO_FEW = "⚠"  # beside a val accuracy measured on too few images (the tooltip says why)
EVAL_COLUMN = HISTORY_COLUMNS.index("Val acc")


def evaluated_on(versions: Sequence[ModelVersion]) -> str:
    """What the runs' accuracy was measured on, in the words `labeldesk train` uses:
    "val", "holdout" (a part of train held out, the project having no val split: the
    app called it "val" all the same) or "val/holdout" when the runs differ."""
    names = {str(v.metrics.get("evaluated_on") or "val") for v in versions}
    return "/".join(sorted(names, reverse=True)) if names else "val"


def class_mark(n: int) -> str:
    """A short header for the ``n``-th class: its label key; past the last key (more
    than 33 classes) its place, "#34", which no key reads like."""
    return shortcuts.class_key(n) or f"#{n + 1}"


def percent(value: Any) -> str:
    return f"{value:.1%}" if isinstance(value, int | float) else NONE


def accuracy(version: ModelVersion, name: str) -> Any:
    report = version.metrics.get(name)
    return report.get("accuracy") if isinstance(report, dict) else None


def no_accuracy_tip(version: ModelVersion, name: str) -> str:
    """Why the ``name`` ("eval" or "test") accuracy of ``version`` is missing (its cell
    shows a dash): made before LabelDesk recorded what it measured on, or no labeled
    images to measure on then."""
    if "evaluated_on" not in version.metrics:
        return "Not recorded: this version was made before LabelDesk kept this accuracy"
    where = str(version.metrics["evaluated_on"] or "val") if name == "eval" else "test"
    return f"Not measured: there were no labeled {where} images when this version was made"


class HistoryTable(QTableWidget):
    """One row per model version, newest first: kind, date, status, accuracies."""

    def __init__(self, parent=None, *, scored: bool = False):
        """``scored``: with the frozen-test columns (filled by :meth:`set_scores`)."""
        columns = HISTORY_COLUMNS if scored else HISTORY_COLUMNS[:SCORE_COLUMN]
        super().__init__(0, len(columns), parent)
        self.setHorizontalHeaderLabels(columns)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setTabKeyNavigation(False)  # Tab leaves the table; arrows move in it
        self.verticalHeader().setVisible(False)
        # Each column as wide as its contents, and the width to spare shared out among
        # them (see _fit_columns): sized to contents alone they left the right third of
        # a wide table blank; a stretched last column put "Train imgs" far right.
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.horizontalHeader().setStretchLastSection(False)
        self.empty_text = ""  # drawn in the empty table: what to do to fill it
        # the height asked for (None: Qt's): Statistics asks for a few rows, so that the
        # page's column with the duplicates above it fits without scrolling; it stretches
        self.preferred_rows: int | None = None

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        if self.preferred_rows is None:
            return hint
        rows = self.preferred_rows * self.verticalHeader().defaultSectionSize()
        frame = 2 * self.frameWidth()
        return QSize(hint.width(), self.horizontalHeader().sizeHint().height() + rows + frame)

    def _fit_columns(self) -> None:
        """Every column at least as wide as its header and cells (a narrow table scrolls
        sideways rather than cut one), the width to spare shared out evenly."""
        header = self.horizontalHeader()
        count = self.columnCount()
        if not count:
            return
        wanted = [max(self.sizeHintForColumn(c), header.sectionSizeHint(c)) for c in range(count)]
        spare = max(0, self.viewport().width() - sum(wanted))
        for c, width in enumerate(wanted):
            header.resizeSection(c, width + spare // count + (1 if c < spare % count else 0))

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._fit_columns()

    def changeEvent(self, event):
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit_columns()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.rowCount() or not self.empty_text:
            return
        painter = QPainter(self.viewport())
        painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
        flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
        painter.drawText(self.viewport().rect().adjusted(12, 12, -12, -12), flags, self.empty_text)
        painter.end()

    def set_versions(self, versions: Sequence[ModelVersion], first_run: str = "val") -> None:
        """``first_run``: with no versions, what a run would measure on ("holdout": no
        labeled val images), the header's word until there is one."""
        self.setRowCount(len(versions))
        header = f"{(evaluated_on(versions) if versions else first_run).capitalize()} acc"
        self.setHorizontalHeaderItem(EVAL_COLUMN, QTableWidgetItem(header))
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for row, version in enumerate(versions):
            trained = dt.datetime.fromtimestamp(version.created_at).strftime("%Y-%m-%d %H:%M")
            warning = version.metrics.get("eval_warning")  # val too small to measure
            cells = (
                f"#{version.id}",
                version.kind,
                trained,
                version.status,
                percent(accuracy(version, "eval")) + (f" {TOO_FEW}" if warning else ""),
                percent(accuracy(version, "test")),
                str(version.metrics.get("train_images", NONE)),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column >= 4:
                    item.setTextAlignment(right)
                name = {4: "eval", 5: "test"}.get(column)
                if name is not None and accuracy(version, name) is None:
                    item.setToolTip(no_accuracy_tip(version, name))
                elif column == 4 and version.metrics.get("evaluated_on"):
                    where = f"evaluated on {version.metrics['evaluated_on']}"
                    item.setToolTip(f"{where}; {TOO_FEW} {warning}" if warning else where)
                self.setItem(row, column, item)
        self._fit_columns()

    def set_scores(
        self,
        versions: Sequence[ModelVersion],
        scores: Mapping[int, Mapping[str, Any]],
        in_use: int | None,
    ) -> None:
        """Fill the frozen-test columns (blank until scored) and mark the head in use."""
        if self.columnCount() <= SCORE_COLUMN:
            return
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for row, version in enumerate(versions):
            scored = scores.get(version.id) or {}
            ece = scored.get("ece")
            cells = (
                percent(scored.get("accuracy")),
                percent(scored.get("macro_f1")),
                f"{ece:.3f}" if isinstance(ece, float) else NONE,
                "✓" if version.id == in_use else "",
            )
            for k, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setTextAlignment(right if k < 3 else Qt.AlignmentFlag.AlignCenter)
                if k == 0 and scored:
                    left = ", ".join(f"{n} {why}" for why, n in scored["left_out"].items())
                    item.setToolTip(
                        f"{scored['n']} images of {scored['test_set']}"
                        + (f"; left out: {left}" if left else "")
                    )
                self.setItem(row, SCORE_COLUMN + k, item)
        self._fit_columns()
