"""Small chart widgets for the statistics view, coloured from the palette: the split bar
chart and the legends' style (the tables: :mod:`.confusion_table`, :mod:`.history_table`).

Text and axes take the widget's palette (so light and dark themes both read well); data
colours are fixed hues chosen to stay distinguishable on either background.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QColor, QCursor, QFontMetrics, QPalette
from PySide6.QtWidgets import QToolTip

SPLIT_COLOURS = {"train": "#4e79a7", "val": "#f28e2b", "test": "#59a14f"}
GROUP_WIDTH = 0.8  # of the unit spacing between classes
LEGEND_OFFSET = (-10, 10)  # the bar chart's legend, from the plot's top right corner
LEGEND_GAP = 4  # pixels between the legend and the tallest bar
LABEL_OVERFLOW = 15  # pixels a count's label may reach below the axis (pyqtgraph's own)


class CountAxis(pg.AxisItem):
    """The count axis, whose bottom label ("0") is drawn. pyqtgraph lets a vertical
    axis's labels reach 15 px past its ends only when it draws no grid; with a grid (the
    chart's) its bounds end where the plot does, so the 0 label, centred on the plot's
    bottom edge, was dropped (pyqtgraph 0.14.0)."""

    def boundingRect(self):
        return super().boundingRect().adjusted(0, 0, 0, LABEL_OVERFLOW)


class SplitBarChart(pg.PlotWidget):
    """Grouped bars: one group per class, one bar per split, class names on the x axis
    (elided when they do not fit: pointing at a group shows its whole name and counts)."""

    _ready = False  # Qt sends palette and resize events before __init__ has finished

    def __init__(self, parent=None):
        super().__init__(parent, axisItems={"left": CountAxis("left")})
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
