"""The training page's loss plot: its epoch axis before, during and after a run, and its
colours under a theme switch."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")


def test_the_plot_follows_a_theme_switch(qapp, qtbot, light_theme):
    from labeldesk.gui.theme import apply_theme, dark_palette
    from labeldesk.gui.training_panel import LossPlot

    plot = LossPlot()
    qtbot.addWidget(plot)
    light = plot.backgroundBrush().color()
    apply_theme(qapp, "dark")
    dark = dark_palette().base().color()
    qtbot.waitUntil(lambda: plot.backgroundBrush().color() == dark, timeout=2000)
    assert dark != light


def test_the_legend_names_are_in_the_theme_text_colour(qapp, qtbot, light_theme):
    """Both names as drawn, the loss's too: they kept pyqtgraph's faint grey (#969696),
    hard to read on a light theme."""
    from PySide6.QtGui import QPalette

    from labeldesk.gui.training_panel import LossPlot

    plot = LossPlot()
    qtbot.addWidget(plot)
    text = plot.palette().color(QPalette.ColorRole.WindowText).name()
    drawn = {label.text: label.item.toHtml() for _sample, label in plot.legend.items}
    assert set(drawn) == {"loss", "val accuracy"}
    assert all(f"color:{text};" in html for html in drawn.values())


def test_an_empty_plot_counts_whole_epochs(panel):
    """Before any run the epoch axis read 0.1 … 0.9 (then 1 … 10, whatever the Epochs
    box said): it spans the box's epochs, each a whole one."""
    panel.plot.set_history([])
    low, high = panel.plot.plot_item.viewRange()[0]
    assert (low, high) == (0.5, panel.epochs.value() + 0.5)


def test_a_running_runs_empty_plot_spans_its_own_epochs(panel):
    """A 2-epoch fine-tune's plot showed epochs 1 to 10 until its first epoch was in."""
    panel.plot.set_history([], planned=2)
    low, high = panel.plot.plot_item.viewRange()[0]
    assert low < 1 and 2 < high < 3
    panel.plot.add_loss(1, 0.5)  # the first epoch in: the axis keeps the run's span
    assert 2 < panel.plot.plot_item.viewRange()[0][1] < 3


def test_a_short_run_has_one_tick_per_epoch_and_shows_its_accuracy(panel):
    """A one-epoch fine-tune's plot read 0.6, 0.7 … 1.4 along the epoch axis, and its one
    accuracy (a dashed line of one point) did not show at all."""
    panel.plot.set_history([{"epoch": 1, "loss": 0.7, "eval_accuracy": 0.86}])
    axis = panel.plot.plot_item.getAxis("bottom")
    low, high = panel.plot.plot_item.viewRange()[0]
    assert low < 1 < high
    ticks = [v for _spacing, values in axis.tickValues(low, high, 400) for v in values]
    assert ticks and all(float(v).is_integer() for v in ticks)
    assert panel.plot.accuracy_curve.opts["symbol"] is not None
    panel.plot.set_history([{"epoch": e, "loss": 1.0 / e} for e in range(1, 4)])
    low, high = panel.plot.plot_item.viewRange()[0]
    assert low < 1 and 3 < high < 4


def test_the_plot_follows_a_run_past_ten_epochs(panel):
    """The empty plot's 1–10 range stayed for good: epochs after 10 were off the plot."""
    panel.plot.set_history([])
    for epoch in range(1, 31):
        panel.plot.add_loss(epoch, 1.0 / epoch)
    panel.plot.plot_item.vb.updateAutoRange()
    assert panel.plot.plot_item.viewRange()[0][1] >= 30
