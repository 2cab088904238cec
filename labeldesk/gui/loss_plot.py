"""The training page's plot: loss per epoch and validation accuracy per epoch."""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QRectF, Qt
from PySide6.QtGui import QPainter, QPalette, QPicture, QResizeEvent
from PySide6.QtWidgets import QLabel, QWidget

from labeldesk.gui.charts import style_legend

LOSS_COLOUR = "#4e79a7"
ACCURACY_COLOUR = "#59a14f"
FEW_EPOCHS = 10  # the empty plot's epoch axis until told the epochs a run would have
EPOCH_LABEL_ROOM = 48  # pixels along the epoch axis for each tick's label, at least
LEGEND_MARGIN = 3  # pixels above and below the legend, in its row over the plot area
# Over the plot area while it has nothing to draw (its loss axis read a made-up 0.1 … 0.9)
NOTE_WIDTH = 420  # pixels at most: a line short enough to read at a glance
EMPTY_NOTE = (
    "Nothing to plot yet. Press Start training: each epoch's loss and {accuracy} are drawn "
    "here as the epoch ends."
)
WAITING_NOTE = "The first epoch's loss and {accuracy} are drawn here when it ends."
# The loss axis's room for its numbers, from the start: with none drawn (an empty plot)
# it was narrower, and the plot area moved ~20 px left→right when the first loss came.
LOSS_NUMBER_ROOM = "0.000"  # wider than its usual labels (0.5, 0.45, 12.5: 0.0125, milli)


def epoch_step(span: float, pixels: float) -> int:
    """The epoch axis's tick spacing: 1, 2, 5, 10, 20, 50 … epochs, the smallest that
    leaves each label ``EPOCH_LABEL_ROOM`` pixels of the ``pixels`` wide axis."""
    most = max(1, int(pixels // EPOCH_LABEL_ROOM))
    power = 1
    while True:
        for step in (power, 2 * power, 5 * power):
            if span / step <= most:
                return step
        power *= 10


class LossPlot(pg.PlotWidget):
    """Loss per epoch (left axis) and validation accuracy per epoch (right axis, 0–1)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setMenuEnabled(False)
        self.setMinimumHeight(200)
        self.plot_item = self.getPlotItem()
        self.plot_item.setLabels(bottom="epoch", left="loss", right="val accuracy")
        self.plot_item.showGrid(x=True, y=True, alpha=0.25)
        # One set of horizontal lines, the loss axis's: the accuracy axis's own (at 0.2,
        # 0.4 …) fell between them, two unaligned sets (showGrid turns both on).
        self.plot_item.getAxis("right").setGrid(False)
        # Its lines at two levels (0.5 and 0.1, say), not also a faint third (0.05).
        self.plot_item.getAxis("left").setStyle(maxTickLevel=1)
        self._keep_loss_number_room()
        # The legend in a row of its own above the plot area, its names side by side: in
        # the plot area (right, half-way up) a slowly learning run's curves passed under.
        self.legend = self.plot_item.addLegend(offset=None, colCount=2)
        self.legend.setParentItem(self.plot_item)
        self.legend.anchor(itemPos=(0.5, 0), parentPos=(0.5, 0), offset=(0, LEGEND_MARGIN))
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
        self.empty_note = QLabel(self)  # what will appear, and when, while nothing has
        self.empty_note.setWordWrap(True)
        self.empty_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_note.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.empty_note.setStyleSheet("color: palette(placeholder-text);")
        self.evaluated_on = "val"
        self.span = (0.5, FEW_EPOCHS + 0.5)  # the epoch axis's range
        self.losses: dict[int, float] = {}
        self.accuracies: dict[int, float] = {}
        self.planned = 0  # a running run's epochs (0: none running)
        self.idle_epochs = FEW_EPOCHS  # the epochs a run would have (the Epochs box)
        self._apply_palette()
        self._redraw()  # the empty plot's epoch axis: 1 … 10, not 0.1 … 0.9

    def _keep_loss_number_room(self) -> None:
        """The loss axis as wide with no numbers as with a usual loss's: the room for its
        numbers starts at ``LOSS_NUMBER_ROOM``'s width and only grows (a longer label
        widens it once; a run's numbers, then none, do not move the plot area back)."""
        axis = self.plot_item.getAxis("left")
        picture = QPicture()  # measured as the axis draws its numbers (on a QPicture)
        painter = QPainter(picture)
        try:
            if axis.style["tickFont"]:
                painter.setFont(axis.style["tickFont"])
            flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
            room = painter.boundingRect(QRectF(0, 0, 200, 50), flags, LOSS_NUMBER_ROOM).width()
        finally:
            painter.end()
        axis.textWidth = max(axis.textWidth, room)
        axis.setStyle(autoReduceTextSpace=False)  # (and applies the width)

    def _sync_views(self) -> None:
        self.accuracy_view.setGeometry(self.plot_item.vb.sceneBoundingRect())
        self.accuracy_view.linkedViewChanged(self.plot_item.vb, self.accuracy_view.XAxis)
        self._space_ticks()
        self._place_note()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if hasattr(self, "empty_note"):
            self._place_note()

    def _place_note(self) -> None:
        """The note over the middle of the plot area, as wide as it (less a margin)."""
        view = self.plot_item.vb
        if view is None:  # (the plot is being closed)
            return
        area = self.mapFromScene(view.sceneBoundingRect()).boundingRect()
        width = max(120, min(NOTE_WIDTH, area.width() - 40))
        height = self.empty_note.heightForWidth(width)
        self.empty_note.setGeometry(
            area.center().x() - width // 2, area.center().y() - height // 2, width, height
        )

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
        self._fit_legend_row()

    def _fit_legend_row(self) -> None:
        """The row above the plot area (the hidden title's) as tall as the legend."""
        height = self.legend.boundingRect().height() + 2 * LEGEND_MARGIN
        self.plot_item.layout.setRowFixedHeight(0, height)

    def add_loss(self, epoch: int, loss: float) -> None:
        """Record (or, within an epoch, update) the loss of ``epoch``."""
        self.losses[epoch] = loss
        self._redraw()

    def set_evaluated_on(self, name: str) -> None:
        """Name the accuracy as measured: on "val", or on images held out of train
        ("holdout", as `labeldesk train` says: it read "val accuracy" with no val split)."""
        self.evaluated_on = name
        words = f"{name} accuracy"
        self.plot_item.setLabel("right", words)
        for sample, label in self.legend.items:
            if sample.item is self.accuracy_curve:
                label.setText(words)
        self._apply_palette()  # (the new text in the theme's colour, the row refitted)
        self._redraw()  # (the note names it too)

    def add_accuracy(self, epoch: int, accuracy: float) -> None:
        self.accuracies[epoch] = accuracy
        self._redraw()

    def set_history(self, history: list[dict[str, Any]], planned: int = 0) -> None:
        """Show ``history``'s epochs; ``planned``: a running run's epochs, the epoch
        axis's span from the start (1 … 100 for a 100-epoch run, filled as it goes)."""
        self.planned = planned
        self.losses = {int(e["epoch"]): float(e["loss"]) for e in history if "loss" in e}
        accuracies = [e for e in history if e.get("eval_accuracy") is not None]
        self.accuracies = {int(e["epoch"]): float(e["eval_accuracy"]) for e in accuracies}
        self._redraw()

    def set_idle_epochs(self, epochs: int) -> None:
        """The epochs a run started now would have: with no run to show, the epoch axis
        spans them (1 … 100 while the Epochs box says 100, not a stray 1 … 10)."""
        self.idle_epochs = max(1, int(epochs))
        if not (self.losses or self.accuracies or self.planned):
            self._redraw()

    def _redraw(self) -> None:
        epochs = sorted(self.losses)
        self.loss_curve.setData(epochs, [self.losses[e] for e in epochs])
        last = max([*epochs, *self.accuracies], default=0)
        # half an epoch either side: no epoch 0, nor -4; with nothing to show, the epochs
        # a run would have, so the axis a run starts with is the one already there
        self.span = (0.5, (max(last, self.planned) or self.idle_epochs) + 0.5)
        self.plot_item.setXRange(*self.span, padding=0)
        self._space_ticks()
        acc = sorted(self.accuracies)
        self.accuracy_curve.setData(acc, [self.accuracies[e] for e in acc])
        self._show_scale(bool(self.losses))
        self.setAccessibleDescription(self.described())

    def _show_scale(self, losses: bool) -> None:
        """The loss axis's ticks and grid lines once there is a loss to read on it;
        before, the note says what the plot will show and when."""
        self.plot_item.getAxis("left").setTicks(None if losses else [[], []])  # no lines
        empty = not (self.losses or self.accuracies)
        words = WAITING_NOTE if self.planned else EMPTY_NOTE
        self.empty_note.setText(words.format(accuracy=f"{self.evaluated_on} accuracy"))
        self.empty_note.setVisible(empty)
        self._place_note()

    def described(self) -> str:
        """The curves in words, for a screen reader (its name says what the plot is)."""
        if not (self.losses or self.accuracies):
            return "No run yet"
        parts = []
        if self.losses:
            first, last = min(self.losses), max(self.losses)
            parts.append(
                f"loss {self.losses[first]:.3f} at epoch {first}, "
                f"{self.losses[last]:.3f} at epoch {last}"
            )
        if self.accuracies:
            last = max(self.accuracies)
            best = max(self.accuracies, key=lambda e: self.accuracies[e])
            parts.append(
                f"{self.evaluated_on} accuracy {self.accuracies[last]:.1%} at epoch {last}, "
                f"best {self.accuracies[best]:.1%} at epoch {best}"
            )
        return "; ".join(parts)

    def _space_ticks(self) -> None:
        """Whole epochs, spaced so their labels have room: one tick level only (pyqtgraph's
        own added 0.5, 1.5 … or 0.2, 0.4 … between, and their grid lines)."""
        width = self.plot_item.vb.width() or 400  # (before the first layout)
        step = epoch_step(self.span[1] - self.span[0], width)
        self.plot_item.getAxis("bottom").setTickSpacing(major=step, minor=step)
