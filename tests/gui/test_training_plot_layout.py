"""The training plot's legend, grid and epoch axis: the legend sat over the plot area
(right, half-way up), where a slowly learning run's curves passed under it; both y axes
drew grid lines, two unaligned sets of horizontal lines; and a run past ten epochs read
half epochs (0.5, 1.5 …), an epoch 0 and negative ones along its axis."""

from __future__ import annotations

import pytest

from labeldesk.gui.loss_plot import LossPlot

pytest.importorskip("torch")


@pytest.fixture
def plot(qtbot):
    widget = LossPlot()
    qtbot.addWidget(widget)
    widget.resize(560, 240)  # about the plot's size on a 1280×720 screen
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def epoch_ticks(plot: LossPlot) -> list[float]:
    axis = plot.plot_item.getAxis("bottom")
    low, high = plot.plot_item.viewRange()[0]
    levels = axis.tickValues(low, high, axis.geometry().width())
    return sorted({float(v) for _spacing, values in levels for v in values})


def test_the_legend_is_above_the_plot_area_not_over_the_curves(qtbot, plot):
    plot.set_history([{"epoch": e, "loss": 1.0, "eval_accuracy": 0.5} for e in (1, 2, 3)])
    area = plot.plot_item.vb.sceneBoundingRect()
    qtbot.waitUntil(lambda: plot.legend.sceneBoundingRect().height() > 0)
    legend = plot.legend.sceneBoundingRect()
    assert not legend.intersects(area)
    assert legend.bottom() <= area.top()
    assert plot.sceneRect().contains(legend)  # in the widget, not cut off
    names = [label.text for _sample, label in plot.legend.items]
    assert names == ["loss", "val accuracy"]
    # side by side, in one row: the room above the plot stays one line high
    rows = {round(label.sceneBoundingRect().top()) for _s, label in plot.legend.items}
    assert len(rows) == 1


def test_the_legend_stays_clear_of_the_plot_after_a_resize(qtbot, plot):
    plot.resize(900, 420)
    qtbot.waitUntil(lambda: plot.plot_item.vb.sceneBoundingRect().width() > 700)
    area = plot.plot_item.vb.sceneBoundingRect()
    assert not plot.legend.sceneBoundingRect().intersects(area)


def test_only_the_loss_axis_draws_grid_lines(plot):
    """One set of horizontal lines: the loss axis's (the accuracy axis's fell between)."""
    assert plot.plot_item.getAxis("left").grid is not False
    assert plot.plot_item.getAxis("bottom").grid is not False
    assert plot.plot_item.getAxis("right").grid is False


def test_the_loss_axis_draws_two_levels_of_lines_not_three(plot):
    """Lines at 0.5, 0.1 and, fainter, 0.05 of loss filled the plot with stripes."""
    from PySide6.QtGui import QImage, QPainter

    plot.set_history([{"epoch": e, "loss": 2.3 * 0.98**e} for e in range(1, 101)])
    axis = plot.plot_item.getAxis("left")
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        _axis, ticks, _text = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    low, high = plot.plot_item.viewRange()[1]
    levels = axis.tickValues(low, high, axis.geometry().height())
    drawn = {round(start.y(), 1) for _pen, start, _end in ticks}
    assert len(drawn) == len({v for _s, values in levels[:2] for v in values})


@pytest.mark.parametrize("epochs", [1, 10, 11, 15, 37, 100, 300])
def test_the_epoch_axis_has_whole_epochs_and_room_between_them(plot, epochs):
    plot.set_history([{"epoch": e, "loss": 1.0 / e} for e in range(1, epochs + 1)])
    ticks = epoch_ticks(plot)
    assert ticks and all(t.is_integer() and 1 <= t <= epochs for t in ticks)
    assert len(ticks) <= 12  # a label every 40 pixels or more at this width
    low, high = plot.plot_item.viewRange()[0]
    assert low < 1 and epochs < high < epochs + 1  # no epoch 0 or -4 on the axis


def test_a_long_runs_axis_spans_its_planned_epochs_from_the_start(plot):
    """A running 100-epoch run: its axis reads 1 … 100 while the first epoch's loss (a
    mid-epoch figure, updated as it comes) is drawn at epoch 1."""
    plot.set_history([], planned=100)
    plot.add_loss(1, 2.3)
    plot.add_loss(1, 1.9)  # the same epoch, later: one point, moved
    low, high = plot.plot_item.viewRange()[0]
    assert low < 1 and 100 < high < 101
    xs, ys = plot.loss_curve.getData()
    assert list(xs) == [1] and list(ys) == [1.9]
    ticks = epoch_ticks(plot)
    assert ticks and all(t.is_integer() for t in ticks) and len(ticks) <= 12


def test_a_one_epoch_run_has_a_single_tick(plot):
    plot.set_history([], planned=1)
    plot.add_loss(1, 0.8)
    assert epoch_ticks(plot) == [1.0]


def test_the_panel_gives_a_long_run_its_planned_span(training_panel):
    """The Training page passed a run's plan only up to ten epochs: a 100-epoch head's
    axis grew as it went, rescaling at each epoch."""
    panel = training_panel
    panel.epochs.setValue(100)
    job = panel.start()
    assert job is not None
    assert panel.plot.planned == 100  # before any report is in (they come by the loop)
    assert 100 < panel.plot.plot_item.viewRange()[0][1] < 101
