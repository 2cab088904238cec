"""The training page: a short head run plots each epoch and adds a version row; a
cancelled run keeps its finished epochs as a "cancelled" version."""

from __future__ import annotations

import pytest
from ml.fake_embeddings import make_clustered_project

from labeldesk.gui.training_panel import TrainingPanel, parse_epoch_accuracy, parse_epoch_loss

pytest.importorskip("torch")

STATUS_COLUMN = 3


@pytest.fixture
def panel(qtbot, tmp_path):
    project, _ = make_clustered_project(tmp_path)
    widget = TrainingPanel(project)
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.show()
    yield widget
    widget.shutdown()
    project.close()


def test_parse_epoch_loss():
    assert parse_epoch_loss("epoch 3/100 loss 0.512 (1,234 img/s)") == (3, 100, 0.512)
    assert parse_epoch_loss("loading backbone") is None


def test_parse_epoch_accuracy():
    assert parse_epoch_accuracy("epoch 3/100 loss 0.512 val acc 0.913 (5 img/s)") == (3, 0.913)
    assert parse_epoch_accuracy("epoch 3/100 loss 0.512 (1,234 img/s)") is None


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
    assert panel.start_button.isEnabled()


def test_fine_tuning_runs_in_a_child_process_with_the_chosen_settings(qtbot, panel, monkeypatch):
    """The panel hands fine-tuning to the child-process runner (stood in for here by a
    short head run, so the test stays fast) and shows what it returns."""
    from labeldesk.core.progress import Progress
    from labeldesk.ml.train import HeadParams, train_head

    calls = []

    def fake_child(project_path, params, *, progress, cancel):
        calls.append((project_path, params))
        progress(Progress(1, 1, "epoch 1/1 loss 0.250"))
        return train_head(panel.project, HeadParams(epochs=2), cancel=cancel)

    monkeypatch.setattr("labeldesk.ml.child_jobs.finetune_in_child", fake_child)
    panel.mode.setCurrentIndex(panel.mode.findData("finetune"))
    panel.epochs.setValue(1)
    panel.train_blocks.setValue(3)
    job = panel.start()
    assert job is not None
    qtbot.waitUntil(lambda: not job.running, timeout=60_000)
    [(path, params)] = calls
    assert path == panel.project.path and (params.epochs, params.train_blocks) == (1, 3)
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=10_000)


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
