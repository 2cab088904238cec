"""What a screen reader reads for the plots beyond their names: the bars' counts and the
curves' numbers in words (before, no description: a plot read as its name only)."""

from __future__ import annotations

from labeldesk.gui.charts import SplitBarChart
from labeldesk.gui.loss_plot import LossPlot


def test_the_bar_chart_describes_its_counts(qtbot):
    chart = SplitBarChart()
    qtbot.addWidget(chart)
    chart.set_counts([], {})
    assert chart.accessibleDescription() == "No classes yet"
    chart.set_counts(["cat", "dog"], {"train": [8, 1200], "val": [2, 0]})
    assert chart.accessibleDescription() == "cat: train 8 · val 2; dog: train 1,200 · val 0"


def test_the_loss_plot_describes_its_curves(qtbot):
    plot = LossPlot()
    qtbot.addWidget(plot)
    assert plot.accessibleDescription() in ("", "No run yet")  # (before any data)
    plot.set_history([])
    assert plot.accessibleDescription() == "No run yet"
    history = [
        {"epoch": 1, "loss": 1.25, "eval_accuracy": 0.5},
        {"epoch": 2, "loss": 0.75, "eval_accuracy": 0.875},
        {"epoch": 3, "loss": 0.5, "eval_accuracy": 0.8},
    ]
    plot.set_history(history)
    plot.set_evaluated_on("holdout")
    assert plot.accessibleDescription() == (
        "loss 1.250 at epoch 1, 0.500 at epoch 3; "
        "holdout accuracy 80.0% at epoch 3, best 87.5% at epoch 2"
    )
