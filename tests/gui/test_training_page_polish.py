"""Training and statistics polish: the Statistics page's training history let its last
column ("Train imgs") take the whole spare width, pushing the numbers to the far right;
the training plot read 0.1 … 0.9 along its epoch axis before any run; and after a run
started from the Start button the keyboard focus fell to Cancel and then to the plot,
instead of coming back to Start."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from gui.shown import shown
from labeldesk.gui.history_table import HISTORY_COLUMNS, SCORE_COLUMN, HistoryTable
from labeldesk.gui.loss_plot import FEW_EPOCHS, LossPlot

pytest.importorskip("torch")


def test_the_history_table_does_not_stretch_its_last_column(qtbot):
    table = HistoryTable()
    shown(qtbot, table, (1200, 300))
    last = SCORE_COLUMN - 1
    assert HISTORY_COLUMNS[last] == "Train imgs"
    assert table.columnWidth(last) < 200  # about its header's width, not the spare room


def test_a_new_plot_counts_whole_epochs_before_any_run(qtbot):
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.resize(600, 300)
    plot.show()
    low, high = plot.plot_item.viewRange()[0]
    assert (low, high) == (0.5, FEW_EPOCHS + 0.5)
    axis = plot.plot_item.getAxis("bottom")
    ticks = [v for _spacing, values in axis.tickValues(low, high, 400) for v in values]
    assert ticks and all(float(v).is_integer() for v in ticks)


def test_the_empty_plot_spans_the_epochs_in_the_epochs_box(training_panel):
    """Before any run the plot's epoch axis read 1 … 10 while the Epochs box said 100:
    it spans the epochs chosen, and follows the box (and the mode's default)."""
    panel = training_panel
    assert not panel.versions  # nothing trained: the plot is empty

    def axis_end() -> float:
        return float(panel.plot.plot_item.viewRange()[0][1])

    assert axis_end() == panel.epochs.value() + 0.5 == 100.5  # a head's default
    panel.epochs.setValue(40)
    assert axis_end() == 40.5
    panel.mode.setCurrentIndex(panel.mode.findData("finetune"))
    assert axis_end() == 3.5
    panel.plot.set_history([{"epoch": e, "loss": 1.0 / e} for e in (1, 2)])
    panel.epochs.setValue(50)  # a run's history on the plot: its epochs, not the box's
    assert axis_end() == 2.5


def test_focus_comes_back_to_start_when_a_run_ends(qtbot, training_panel):
    panel = training_panel
    panel.epochs.setValue(3)
    panel.start_button.setFocus()
    qtbot.waitUntil(panel.start_button.hasFocus)
    with qtbot.waitSignal(panel.runningChanged, timeout=5_000):
        qtbot.keyClick(panel.start_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: panel.job is not None and not panel.job.running, timeout=60_000)
    qtbot.waitUntil(panel.start_button.isEnabled)
    assert panel.start_button.hasFocus()
