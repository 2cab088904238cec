"""The training page's plot: loss per epoch and validation accuracy per epoch."""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QEvent
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QWidget

from labeldesk.gui.charts import style_legend

LOSS_COLOUR = "#4e79a7"
ACCURACY_COLOUR = "#59a14f"
FEW_EPOCHS = 10  # up to this many, the epoch axis has one tick per epoch (the range is fixed)


class LossPlot(pg.PlotWidget):
    """Loss per epoch (left axis) and validation accuracy per epoch (right axis, 0–1)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setMenuEnabled(False)
        self.setMinimumHeight(200)
        self.plot_item = self.getPlotItem()
        self.plot_item.setLabels(bottom="epoch", left="loss", right="val accuracy")
        self.plot_item.showGrid(x=True, y=True, alpha=0.25)
        self.legend = self.plot_item.addLegend()
        # Right, half-way up: where a falling loss and a rising accuracy leave room.
        self.legend.anchor(itemPos=(1, 0.5), parentPos=(1, 0.5), offset=(-10, 0))
        self.loss_curve = self.plot_item.plot(
            [], [], pen=pg.mkPen(LOSS_COLOUR, width=2), symbol="o", symbolSize=5,
            symbolBrush=LOSS_COLOUR, name="loss",
        )  # fmt: skip
        self.accuracy_view = pg.ViewBox()
        self.plot_item.scene().addItem(self.accuracy_view)
        self.plot_item.getAxis("right").linkToView(self.accuracy_view)
        self.accuracy_view.setXLink(self.plot_item)
        self.accuracy_view.setYRange(0, 1, padding=0.02)
        self.accuracy_curve = pg.PlotDataItem(
            [],
            [],
            pen=pg.mkPen(ACCURACY_COLOUR, width=2, style=pg.QtCore.Qt.PenStyle.DashLine),
            symbol="t",
            symbolSize=6,
            symbolPen=None,
            symbolBrush=ACCURACY_COLOUR,
        )  # fmt: skip (a marker: a one-epoch run's accuracy is a point, no line)
        self.accuracy_view.addItem(self.accuracy_curve)
        self.legend.addItem(self.accuracy_curve, "val accuracy")
        self.plot_item.vb.sigResized.connect(self._sync_views)
        self.losses: dict[int, float] = {}
        self.accuracies: dict[int, float] = {}
        self.planned = 0  # a running run's epochs (0: none running)
        self._apply_palette()
        self._redraw()  # the empty plot's epoch axis: 1 … 10, not 0.1 … 0.9

    def _sync_views(self) -> None:
        self.accuracy_view.setGeometry(self.plot_item.vb.sceneBoundingRect())
        self.accuracy_view.linkedViewChanged(self.plot_item.vb, self.accuracy_view.XAxis)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "legend"):
            self._apply_palette()  # the theme was switched
        super().changeEvent(event)

    def _apply_palette(self) -> None:
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.WindowText)
        self.setBackground(palette.color(QPalette.ColorRole.Base))
        for name in ("left", "bottom", "right"):
            axis = self.plot_item.getAxis(name)
            axis.setPen(pg.mkPen(text))
            axis.setTextPen(pg.mkPen(text))
        style_legend(self.legend, palette)

    def add_loss(self, epoch: int, loss: float) -> None:
        """Record (or, within an epoch, update) the loss of ``epoch``."""
        self.losses[epoch] = loss
        self._redraw()

    def add_accuracy(self, epoch: int, accuracy: float) -> None:
        self.accuracies[epoch] = accuracy
        self._redraw()

    def set_history(self, history: list[dict[str, Any]], planned: int = 0) -> None:
        """Show ``history``'s epochs; ``planned``: a run's epochs, the empty axis's span
        (up to ten) until its first epoch is in."""
        self.planned = planned
        self.losses = {int(e["epoch"]): float(e["loss"]) for e in history if "loss" in e}
        accuracies = [e for e in history if e.get("eval_accuracy") is not None]
        self.accuracies = {int(e["epoch"]): float(e["eval_accuracy"]) for e in accuracies}
        self._redraw()

    def _redraw(self) -> None:
        epochs = sorted(self.losses)
        self.loss_curve.setData(epochs, [self.losses[e] for e in epochs])
        last = max([*epochs, *self.accuracies], default=0)
        axis = self.plot_item.getAxis("bottom")
        if last <= FEW_EPOCHS:  # whole epochs, one tick each: not 0.6, 0.7 … around one
            axis.setTickSpacing(major=1, minor=1)
            empty = (0.5, self.planned + 0.5) if self.planned else (1, FEW_EPOCHS)
            low, high = empty if not last else (0.5, max(last, self.planned) + 0.5)
            self.plot_item.setXRange(low, high, padding=0)
        else:  # (setting a range turned following the data off)
            axis.setTickSpacing()
            self.plot_item.enableAutoRange(x=True)
        acc = sorted(self.accuracies)
        self.accuracy_curve.setData(acc, [self.accuracies[e] for e in acc])
