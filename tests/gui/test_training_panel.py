"""The training page: a short head run plots each epoch and adds a version row; a
cancelled run keeps its finished epochs as a "cancelled" version; the status line, the
device, and what the accuracy is measured on. Fine-tuning runs are in
test_training_panel_finetune.py, the loss plot's axes and colours in
test_training_panel_plot.py; the ``panel`` fixture is in conftest.py."""

from __future__ import annotations

import pytest
from ml.fake_embeddings import CLASSES, make_clustered_project

from labeldesk.core.errors import LabelDeskError
from labeldesk.core.progress import Progress
from labeldesk.gui.training_panel import TrainingPanel, describe

pytest.importorskip("torch")

STATUS_COLUMN = 3


def test_status_line_comes_from_the_report_data():
    data = {"epoch": 3, "epochs": 100, "loss": 0.5123, "eval_accuracy": 0.913}
    assert describe(Progress(3, 100, "training head", data)) == (
        "Training head: epoch 3/100, loss 0.512, val acc 91.3%"
    )
    assert describe(Progress(0, 0, "loading backbone")) == "Loading backbone"


def test_the_plot_is_drawn_from_progress_data_not_text(qtbot, panel, monkeypatch):
    """A run whose message never changes ("training head") still plots every epoch:
    the figures come from ``Progress.data``."""
    reports = [
        {"epoch": 1, "epochs": 3, "loss": 0.9, "eval_accuracy": 0.5},
        {"epoch": 2, "epochs": 3, "loss": 0.6},
        {"epoch": 3, "epochs": 3, "loss": 0.4, "eval_accuracy": 0.8},
    ]

    def fake_train_head(project, params, *, progress, cancel):
        for data in reports:
            progress(Progress(data["epoch"], 3, "training head", data))
        raise LabelDeskError("stopped here, so the plot keeps what was reported")

    monkeypatch.setattr("labeldesk.ml.train.train_head", fake_train_head)
    job = panel.start()
    assert job is not None
    qtbot.waitUntil(lambda: not job.running, timeout=30_000)
    qtbot.waitUntil(lambda: len(panel.plot.losses) == 3, timeout=5_000)
    assert panel.plot.losses == {1: 0.9, 2: 0.6, 3: 0.4}
    assert panel.plot.accuracies == {1: 0.5, 3: 0.8}
    xs, ys = panel.plot.loss_curve.getData()
    assert list(xs) == [1, 2, 3] and list(ys) == [0.9, 0.6, 0.4]
    assert (
        panel.status.text() == "Training failed: stopped here, so the plot keeps what was reported"
    )


def test_the_device_is_found_in_a_child_process(qtbot, tmp_path, monkeypatch, child_targets):
    monkeypatch.setattr(TrainingPanel, "detected_device", None)
    project, _ = make_clustered_project(tmp_path)
    widget = TrainingPanel(project)
    qtbot.addWidget(widget)
    try:
        assert widget.device.text() == "checking…"
        qtbot.waitUntil(lambda: widget.device.text() != "checking…", timeout=60_000)
        assert widget.device.text() == "cpu (no GPU found)"  # tests run without a GPU
        assert child_targets == ["labeldesk.ml.device:describe_device"]
        assert TrainingPanel.detected_device == widget.device.text()  # asked once per app run
    finally:
        widget.shutdown()
        project.close()


def test_validation_accuracy_is_plotted_while_training_runs(qtbot, panel):
    panel.epochs.setValue(30)
    job = panel.start()
    assert job is not None
    plotted_during_run: list[int] = []
    job.progress.connect(lambda *_: plotted_during_run.append(len(panel.plot.accuracies)))
    qtbot.waitUntil(lambda: not job.running, timeout=60_000)
    assert max(plotted_during_run) >= 1  # before the saved history was drawn at the end


def test_mode_shows_train_blocks_only_for_finetune(panel):
    assert panel.train_blocks.isHidden()
    panel.mode.setCurrentIndex(panel.mode.findData("finetune"))
    assert not panel.train_blocks.isHidden()
    assert panel.epochs.value() == 3
    panel.mode.setCurrentIndex(panel.mode.findData("head"))
    assert panel.train_blocks.isHidden()


def test_head_run_adds_version_and_plots_each_epoch(qtbot, panel):
    assert panel.table.rowCount() == 0
    panel.epochs.setValue(5)
    with qtbot.waitSignal(panel.trained, timeout=60_000) as signal:
        panel.start_button.click()
        assert not panel.start_button.isEnabled()
    version_id = signal.args[0]
    assert panel.table.rowCount() == 1
    assert panel.table.item(0, 0).text() == f"#{version_id}"
    assert panel.table.item(0, STATUS_COLUMN).text() == "complete"
    xs, ys = panel.plot.loss_curve.getData()
    assert list(xs) == [1, 2, 3, 4, 5]
    assert all(y > 0 for y in ys)
    acc_x, _ = panel.plot.accuracy_curve.getData()
    assert len(acc_x) == 5  # the clustered project has a val split
    qtbot.waitUntil(lambda: panel.start_button.isEnabled())
    assert "version #" in panel.status.text()


def test_cancel_mid_run_keeps_a_cancelled_version(qtbot, panel):
    panel.epochs.setValue(panel.epochs.maximum())
    job = panel.start()
    assert job is not None
    job.progress.connect(lambda *_: panel.cancel())
    with qtbot.waitSignal(panel.trained, timeout=60_000):
        pass
    qtbot.waitUntil(lambda: not job.running)
    assert panel.table.rowCount() == 1
    assert panel.table.item(0, STATUS_COLUMN).text() == "cancelled"
    epochs = len(panel.versions[0].metrics["history"])
    assert 1 <= epochs < panel.epochs.maximum()
    xs, _ = panel.plot.loss_curve.getData()
    assert len(xs) == epochs
    assert panel.status.text().startswith("Cancelled")
    # the job's own ``ended`` slot (running == False) and the panel's are two queued
    # events: the button comes back with the second
    qtbot.waitUntil(panel.start_button.isEnabled, timeout=5_000)


def test_a_head_cannot_start_before_embeddings_exist_but_fine_tuning_can(qtbot, tmp_path):
    """Start is disabled for a head until embeddings exist (it says how to make them);
    fine-tuning needs none; the panel re-checks when a job ends."""
    project, _ = make_clustered_project(tmp_path)
    key = project.db.get_meta("embedding_key")
    assert key is not None
    with project.db.write() as conn:
        conn.execute("DELETE FROM meta WHERE key = 'embedding_key'")
    widget = TrainingPanel(project)
    qtbot.addWidget(widget)
    try:
        assert not widget.start_button.isEnabled()
        assert "Compute embeddings" in widget.status.text()
        assert "Compute embeddings" in widget.start_button.toolTip()
        widget.mode.setCurrentIndex(widget.mode.findData("finetune"))
        assert widget.start_button.isEnabled()
        assert widget.status.text() == "Ready."
        widget.mode.setCurrentIndex(widget.mode.findData("head"))
        assert not widget.start_button.isEnabled()
        project.db.set_meta("embedding_key", key)  # an embedding job finished
        widget.update_start()
        assert widget.start_button.isEnabled()
        assert widget.status.text() == "Ready."
        assert widget.start_button.toolTip() == ""
    finally:
        widget.shutdown()
        project.close()


def test_a_val_split_too_small_to_measure_is_said(qtbot):
    """The run's summary and the versions table say so (one val image read "val acc
    100.0%" with no word)."""
    from labeldesk.core.model_versions import ModelVersion
    from labeldesk.gui.history_table import HistoryTable

    warning = "the val split has only 1 image for 3 classes, too few to measure anything"
    metrics = {"eval": {"accuracy": 1.0, "n": 1}, "evaluated_on": "val", "eval_warning": warning}
    version = ModelVersion(1, "head", "complete", 0.0, 0, None, {}, metrics, None)
    assert TrainingPanel._summary(version, "Trained").endswith(f"\nWarning: {warning}.")
    table = HistoryTable()
    qtbot.addWidget(table)
    table.set_versions([version])
    assert table.item(0, 4).text() == "100.0% ⚠" and warning in table.item(0, 4).toolTip()
    version.metrics["eval_warning"] = None
    assert "Warning" not in TrainingPanel._summary(version, "Trained")
    table.set_versions([version])
    assert (table.item(0, 4).text(), table.item(0, 4).toolTip()) == ("100.0%", "evaluated on val")


def test_cancelling_a_head_keeps_the_epoch_it_is_in(qtbot, panel):
    panel.epochs.setValue(panel.epochs.maximum())
    job = panel.start()
    assert job is not None
    panel.cancel()
    assert panel.status.text() == "Cancelling after this epoch…"
    qtbot.waitUntil(lambda: not job.running, timeout=60_000)


def test_an_accuracy_held_out_of_train_is_not_called_val(qtbot):
    """With no val split a run is measured on part of train held out: `labeldesk train`
    says "holdout accuracy", while the page said "Val acc", "val accuracy" and "val acc"
    (and the project's statistics read "val 0")."""
    from labeldesk.core.model_versions import ModelVersion
    from labeldesk.gui.history_table import EVAL_COLUMN, HistoryTable
    from labeldesk.gui.training_panel import LossPlot

    def run(number: int, on: str) -> ModelVersion:
        metrics = {"eval": {"accuracy": 0.8, "n": 226}, "evaluated_on": on, "history": []}
        return ModelVersion(number, "head", "complete", 0.0, 0, None, {}, metrics, None)

    held, val = run(2, "holdout"), run(1, "val")
    assert "holdout acc 80.0%" in TrainingPanel._summary(held, "Trained")
    table = HistoryTable()
    qtbot.addWidget(table)
    for versions, header in (([held], "Holdout acc"), ([held, val], "Val/holdout acc")):
        table.set_versions(versions)
        assert table.horizontalHeaderItem(EVAL_COLUMN).text() == header
    table.set_versions([val])
    assert table.horizontalHeaderItem(EVAL_COLUMN).text() == "Val acc"
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.set_evaluated_on("holdout")
    assert [label.text for _sample, label in plot.legend.items] == ["loss", "holdout accuracy"]
    assert plot.plot_item.getAxis("right").labelText == "holdout accuracy"


def test_the_live_status_says_what_the_accuracy_is_measured_on(qtbot, panel, monkeypatch):
    """With no val split the run reports "holdout": the live status line said "val acc"
    (and the plot's curve "val accuracy") until the run ended."""
    data = {"epoch": 3, "epochs": 100, "loss": 0.5123, "eval_accuracy": 0.913}
    held = data | {"evaluated_on": "holdout"}
    assert describe(Progress(3, 100, "training head", held)) == (
        "Training head: epoch 3/100, loss 0.512, holdout acc 91.3%"
    )

    def fake_train_head(project, params, *, progress, cancel):
        progress(Progress(1, 3, "training head", {**held, "epoch": 1, "epochs": 3}))
        raise LabelDeskError("stopped here, before the run's end names it")

    monkeypatch.setattr("labeldesk.ml.train.train_head", fake_train_head)
    job = panel.start()
    assert job is not None
    qtbot.waitUntil(lambda: not job.running, timeout=30_000)
    qtbot.waitUntil(lambda: panel.plot.accuracies == {1: 0.913}, timeout=5_000)
    assert panel.plot.evaluated_on == "holdout"


def test_before_any_run_the_plot_names_the_accuracy_a_run_will_report(qtbot, tmp_path):
    """Before the first run the plot said "val accuracy" (and the versions table "Val
    acc") on a project with no labeled val images, whose runs report "holdout accuracy"."""
    from labeldesk.gui.history_table import EVAL_COLUMN

    project, _ = make_clustered_project(tmp_path)
    val = [f"val/{name}/{name}{i}.png" for name in CLASSES for i in range(5)]
    panel = TrainingPanel(project)
    qtbot.addWidget(panel)
    try:
        assert panel.plot.plot_item.getAxis("right").labelText == "val accuracy"
        assert panel.table.horizontalHeaderItem(EVAL_COLUMN).text() == "Val acc"
        project.set_splits(dict.fromkeys(val, "train"))
        panel.refresh()
        legend = [label.text for _sample, label in panel.plot.legend.items]
        assert legend == ["loss", "holdout accuracy"]
        assert panel.plot.plot_item.getAxis("right").labelText == "holdout accuracy"
        assert panel.table.horizontalHeaderItem(EVAL_COLUMN).text() == "Holdout acc"
    finally:
        panel.shutdown()
        project.close()
