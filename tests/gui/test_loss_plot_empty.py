"""The training page's plot before it has anything to draw: its loss axis read 0.1 … 0.9,
a scale of nothing. It now shows no loss scale and says what will be drawn there and
when; the first loss brings the scale (and its grid lines) back."""

from __future__ import annotations

from PySide6.QtGui import QImage, QPainter

from gui.shown import shown
from labeldesk.gui.loss_plot import LossPlot


def loss_axis_numbers(plot: LossPlot) -> list[str]:
    """The numbers the loss axis draws."""
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = plot.plot_item.getAxis("left").generateDrawSpecs(painter)
    finally:
        painter.end()
    return [] if specs is None else [text for _rect, _flags, text in specs[2]]


def test_an_empty_plot_says_what_it_will_show_and_when(qtbot):
    plot = LossPlot()
    shown(qtbot, plot, (600, 300))
    plot.set_evaluated_on("holdout")
    assert loss_axis_numbers(plot) == []  # not 0.1 … 0.9
    note = plot.empty_note
    assert note.isVisible()
    assert "Start training" in note.text() and "holdout accuracy" in note.text()
    assert "epoch" in note.text()
    # over the plot area, not the axes
    area = plot.mapFromScene(plot.plot_item.vb.sceneBoundingRect()).boundingRect()
    assert area.contains(note.geometry())

    plot.set_history([], planned=5)  # a run started: its first epoch is on its way
    assert note.isVisible() and "first epoch" in note.text()
    assert loss_axis_numbers(plot) == []

    plot.add_loss(1, 0.8)
    assert not note.isVisible()
    assert loss_axis_numbers(plot)  # the scale, now that there is a loss on it

    plot.set_history([])  # no run to show again
    assert note.isVisible() and loss_axis_numbers(plot) == []


def plot_area_left(qtbot, plot: LossPlot) -> int:
    """Where the plot area begins, once the axes have drawn their numbers (the loss
    axis sizes itself to them as it paints)."""
    for _ in range(3):
        plot.grab()
        qtbot.wait(10)
    return plot.mapFromScene(plot.plot_item.vb.sceneBoundingRect()).boundingRect().x()


def test_the_plot_area_stays_where_it_is_when_the_first_loss_comes(qtbot):
    """With no numbers on it the loss axis was narrower: the plot area moved ~20 px right
    when a run's first loss came, and back when the plot was emptied."""
    plot = LossPlot()
    shown(qtbot, plot, (600, 300))
    empty = plot_area_left(qtbot, plot)
    plot.set_history([], planned=100)  # a run started
    assert plot_area_left(qtbot, plot) == empty
    plot.add_loss(1, 2.3)  # its first loss
    assert plot_area_left(qtbot, plot) == empty
    assert loss_axis_numbers(plot)  # drawn in the room kept for them
    for epoch, loss in enumerate((1.1, 0.45, 0.31), start=2):
        plot.add_loss(epoch, loss)
        assert plot_area_left(qtbot, plot) == empty
    plot.set_history([])  # empty again
    assert plot_area_left(qtbot, plot) == empty
