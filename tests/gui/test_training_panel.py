"""The training page: a short head run plots each epoch and adds a version row; a
cancelled run keeps its finished epochs as a "cancelled" version."""

from __future__ import annotations

import shutil

import pytest
from ml.fake_embeddings import CLASSES, make_clustered_project, record_awaited_finetune

from labeldesk.core.errors import LabelDeskError
from labeldesk.core.progress import Progress
from labeldesk.gui.training_panel import TrainingPanel, describe

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


def test_status_line_comes_from_the_report_data():
    data = {"epoch": 3, "epochs": 100, "loss": 0.5123, "eval_accuracy": 0.913}
    assert describe(Progress(3, 100, "training head", data)) == (
        "Training head: epoch 3/100, loss 0.512, val acc 91.3%"
    )
    assert describe(Progress(0, 0, "loading backbone")) == "Loading backbone"


def test_saving_the_fine_tuned_model_is_not_taken_for_its_re_embedding():
    from labeldesk.gui.training_panel import re_embedding
    from labeldesk.ml.finetune import SAVING

    assert not re_embedding(Progress(0, 0, SAVING))
    assert describe(Progress(0, 0, SAVING)) == "Saving the fine-tuned model"


def test_status_line_says_the_time_the_whole_fine_tune_has_left():
    data = {"epoch": 2, "epochs": 3, "loss": 0.5, "left_s": 370.0, "left_rough": True,
            "left_with": "re-embedding"}  # fmt: skip
    assert describe(Progress(12, 30, "fine-tuning", data)) == (
        "Fine-tuning: epoch 2/3, loss 0.500\n"
        "About 6m 10s left in all, re-embedding included (rough guess)."
    )


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
    assert panel.start_button.isEnabled()


def test_fine_tuning_runs_in_a_child_process_with_the_chosen_settings(qtbot, panel, monkeypatch):
    """The panel hands fine-tuning to the child-process runner (stood in for here by a
    short head run, so the test stays fast) and shows what it returns."""
    from labeldesk.ml.train import HeadParams, train_head

    calls = []

    def fake_child(project_path, params, *, progress, cancel):
        calls.append((project_path, params))
        progress(Progress(1, 1, "fine-tuning", {"epoch": 1, "epochs": 1, "loss": 0.25}))
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


def test_a_val_split_too_small_to_measure_is_said(qtbot):
    """The run's summary and the versions table say so (one val image read "val acc
    100.0%" with no word)."""
    from labeldesk.core.model_versions import ModelVersion
    from labeldesk.gui.charts import HistoryTable

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


def test_a_fine_tune_whose_embeddings_are_unfinished_is_said_until_they_are_used(qtbot, tmp_path):
    """A fine-tune killed or stopped while it embedded: the page says the app uses the
    embeddings it had and how to finish the tuned model's; once they are the project's,
    the line goes."""
    from labeldesk.ml.store import current_key, embeddings_dir, use_store

    project, _ = make_clustered_project(tmp_path)
    version = record_awaited_finetune(project)
    widget = TrainingPanel(project)
    qtbot.addWidget(widget)
    widget.show()
    try:
        assert widget.unfinished.isVisible()
        assert widget.unfinished.text() == (
            f"The embeddings of fine-tuned model #{version.id} are unfinished: the app uses "
            "the embeddings it had until Tools → Compute embeddings (Ctrl+E) finishes them."
        )
        use_store(project, "tuned-key")  # half made: not yet
        widget.update_start()
        assert widget.unfinished.isVisible()
        # an embedding job finished them: the tuned store has every image's vector (here
        # a copy of the ones in use: use_store looks that it holds what they hold)
        made = embeddings_dir(project)
        shutil.copytree(made / str(current_key(project)), made / "tuned-key")
        use_store(project, "tuned-key", finished=True)
        widget.update_start()
        assert not widget.unfinished.isVisible()
    finally:
        widget.shutdown()
        project.close()


def _finetune_reporting(panel, monkeypatch, reports):
    """Fine-tuning stood in for by a child that sends ``reports`` and waits for Cancel."""
    import time

    def fake_child(project_path, params, *, progress, cancel):
        for report in reports:
            progress(report)
        while not cancel.cancelled:
            time.sleep(0.01)
        raise LabelDeskError("cancelled before the first epoch finished: no model was saved")

    monkeypatch.setattr("labeldesk.ml.child_jobs.finetune_in_child", fake_child)
    panel.mode.setCurrentIndex(panel.mode.findData("finetune"))
    panel.epochs.setValue(3)


@pytest.mark.parametrize(
    ("reports", "said"),
    [
        # in epoch 2: epoch 1 was saved, epoch 2's steps so far are dropped
        (
            [
                Progress(
                    6,
                    18,
                    "fine-tuning",
                    {"epoch": 1, "epochs": 3, "loss": 0.9, "eval_accuracy": 0.8},
                ),
                Progress(8, 18, "fine-tuning", {"epoch": 2, "epochs": 3, "loss": 0.7}),
            ],
            "Cancelling at the next batch: epoch 1 of 3 is kept, epoch 2 is dropped…",
        ),
        # in epoch 1: nothing is kept
        (
            [Progress(2, 18, "fine-tuning", {"epoch": 1, "epochs": 3, "loss": 0.9})],
            "Cancelling at the next batch: no epoch has finished yet, so no model is kept…",
        ),
        # re-embedding: the model is kept, the embeddings stay as they were
        (
            [Progress(40, 600, "embedding")],
            "Cancelling: the fine-tuned model is kept; the app keeps the embeddings it had "
            "until Tools → Compute embeddings (Ctrl+E) finishes them…",
        ),
    ],
)
def test_cancelling_a_fine_tune_says_what_it_keeps(qtbot, panel, monkeypatch, reports, said):
    _finetune_reporting(panel, monkeypatch, reports)
    job = panel.start()
    assert job is not None
    last = reports[-1]
    qtbot.waitUntil(lambda: panel._last_report == last, timeout=10_000)
    panel.cancel()
    assert panel.status.text() == said
    qtbot.waitUntil(lambda: not job.running, timeout=10_000)


def test_cancelling_a_head_keeps_the_epoch_it_is_in(qtbot, panel):
    panel.epochs.setValue(panel.epochs.maximum())
    job = panel.start()
    assert job is not None
    panel.cancel()
    assert panel.status.text() == "Cancelling after this epoch…"
    qtbot.waitUntil(lambda: not job.running, timeout=60_000)


def test_a_fine_tune_says_what_it_will_do_while_it_runs(qtbot, panel, monkeypatch):
    from labeldesk.ml.finetune_plan import FinetunePlan

    stats = panel.project.stats()
    plan = FinetunePlan(3, 60, 16, 10, "val", stats["images"], "cpu").text()
    reports = [
        Progress(0, 0, "loading backbone", {"plan": plan}),  # as the fine-tune reports it
        Progress(1, 12, "fine-tuning", {"epoch": 1, "epochs": 3, "loss": 0.9}),
    ]
    _finetune_reporting(panel, monkeypatch, reports)
    job = panel.start()
    assert job is not None
    qtbot.waitUntil(lambda: panel._last_report == reports[-1], timeout=10_000)
    assert panel.plan.isVisible()
    said = panel.plan.text()
    assert said.startswith("Fine-tuning: 3 epochs over ")
    assert f"then all {stats['images']} images are embedded again with the tuned model" in said
    panel.cancel()
    qtbot.waitUntil(lambda: not job.running, timeout=10_000)
    assert not panel.plan.isVisible()  # the run's own summary follows


def test_a_finished_fine_tune_says_how_to_see_whether_it_helped():
    from labeldesk.core.model_versions import ModelVersion

    metrics = {"eval": {"accuracy": 0.675, "n": 40}, "history": [{"epoch": 1, "loss": 1.0}]}
    version = ModelVersion(2, "finetune", "complete", 0.0, 0, None, {}, metrics, None)
    assert TrainingPanel._summary(version, "Trained") == (
        "Trained version #2 (finetune, 1 epoch, val acc 67.5%).\n"
        "Did it help? Train a classifier head on the new embeddings (seconds) and compare "
        "its frozen test accuracy below with the earlier heads'."
    )
    cancelled = ModelVersion(2, "finetune", "cancelled", 0.0, 0, None, {}, metrics, None)
    assert "Did it help" not in TrainingPanel._summary(cancelled, "Cancelled; kept")


def test_cancelled_while_it_re_embeds_the_fine_tuned_model_is_said_kept(qtbot, panel, monkeypatch):
    """Cancel after the last epoch, while the images are embedded again: the model was
    saved (the page said "no model was saved")."""
    import time

    reports = [
        Progress(18, 18, "fine-tuning", {"epoch": 3, "epochs": 3, "loss": 0.5,
                                         "eval_accuracy": 0.8}),
        Progress(0, 0, "loading model /p/models/x-finetune/model.safetensors"),
        Progress(40, 600, "embedding"),
    ]  # fmt: skip

    def fake_child(project_path, params, *, progress, cancel):
        for report in reports:
            progress(report)
        while not cancel.cancelled:
            time.sleep(0.01)
        raise LabelDeskError(  # what the child's Cancelled says, passed on as text
            "fine-tuned model version 2 is saved, but embedding with it was interrupted; "
            "the project keeps the embeddings it had until `labeldesk embed P` finishes them"
        )

    monkeypatch.setattr("labeldesk.ml.child_jobs.finetune_in_child", fake_child)
    panel.mode.setCurrentIndex(panel.mode.findData("finetune"))
    job = panel.start()
    assert job is not None
    qtbot.waitUntil(lambda: panel._last_report == reports[-1], timeout=10_000)
    panel.cancel()
    assert panel.status.text().startswith("Cancelling: the fine-tuned model is kept")
    qtbot.waitUntil(lambda: not job.running, timeout=10_000)
    assert panel.status.text() == (
        "Cancelled while the images were embedded again: the fine-tuned model is kept; "
        "the app keeps the embeddings it had until Tools → Compute embeddings (Ctrl+E) "
        "finishes them."
    )


def test_after_a_fine_tune_the_flag_count_before_and_after_is_said(qtbot, panel, monkeypatch):
    """The run's last report carries the likely mislabels flagged before and after it
    re-embedded the project; the message at the end says both."""
    from labeldesk.ml.train import HeadParams, train_head

    def fake_child(project_path, params, *, progress, cancel):
        progress(Progress(0, 0, "counting", {"flags": {"before": 12, "after": 9}}))
        return train_head(panel.project, HeadParams(epochs=2), cancel=cancel)

    monkeypatch.setattr("labeldesk.ml.child_jobs.finetune_in_child", fake_child)
    panel.mode.setCurrentIndex(panel.mode.findData("finetune"))
    job = panel.start()
    assert job is not None
    qtbot.waitUntil(lambda: not job.running, timeout=60_000)
    assert panel.status.text().startswith("Trained version #1")
    lines = panel.status.text().splitlines()
    assert (
        "Likely mislabels flagged: 12 before the fine-tune, 9 with its embeddings (" in (lines[1])
    )


def test_cancel_while_the_flags_are_counted_again_says_the_fine_tune_is_done(
    qtbot, panel, monkeypatch
):
    """Cancel after the re-embedding, while the likely mislabels are counted again on the
    new embeddings (minutes in a big project): the model and its embeddings are whole and
    in use, and the count goes on to its end. The page said the app kept the embeddings
    it had until Compute embeddings finished them, then "Cancelled; kept", without the
    count it waited for."""
    import time

    from labeldesk.ml.flag_change import COUNTING
    from labeldesk.ml.train import HeadParams, train_head

    counting = Progress(0, 0, COUNTING)

    def fake_child(project_path, params, *, progress, cancel):
        progress(Progress(40, 40, "embedding"))
        progress(counting)
        while not cancel.cancelled:
            time.sleep(0.01)
        progress(Progress(0, 0, COUNTING, {"flags": {"before": 12, "after": 9}}))
        return train_head(panel.project, HeadParams(epochs=2))  # the run's version

    monkeypatch.setattr("labeldesk.ml.child_jobs.finetune_in_child", fake_child)
    panel.mode.setCurrentIndex(panel.mode.findData("finetune"))
    job = panel.start()
    assert job is not None
    qtbot.waitUntil(lambda: panel._last_report == counting, timeout=10_000)
    panel.cancel()
    assert panel.status.text() == (
        "The fine-tune is done and the project uses its new embeddings; the likely "
        "mislabels are being counted again, which cannot stop part-way…"
    )
    qtbot.waitUntil(lambda: not job.running, timeout=60_000)
    text = panel.status.text()
    assert text.startswith("Trained version #")
    assert "Likely mislabels flagged: 12 before the fine-tune, 9 with its embeddings (" in text


def test_a_fine_tune_that_skipped_images_says_so_and_how_to_take_in_the_changed_ones():
    """Images changed since the scan are left out of a fine-tune (their labels were given
    to the pictures the scan saw); the run's summary said nothing of any it skipped."""
    from labeldesk.core.model_versions import ModelVersion
    from labeldesk.ml.embed_decode import CHANGED, MISSING_FILE

    failed = [
        {"path": "cats/1.jpg", "reason": CHANGED},
        {"path": "cats/2.jpg", "reason": CHANGED},
        {"path": "dogs/3.jpg", "reason": MISSING_FILE},
    ]
    metrics = {"eval": {"accuracy": 0.5, "n": 4}, "history": [{"epoch": 1}], "failed": failed}
    version = ModelVersion(3, "finetune", "cancelled", 0.0, 0, None, {}, metrics, None)
    assert TrainingPanel._summary(version, "Cancelled; kept") == (
        "Cancelled; kept version #3 (finetune, 1 epoch, val acc 50.0%).\n"
        "Skipped 1 unreadable image (dogs/3.jpg…).\n"
        "Skipped 2 images changed since the last scan (cats/1.jpg…): use File → Rescan "
        "folder, then train again to use them."
    )


def test_an_accuracy_held_out_of_train_is_not_called_val(qtbot):
    """With no val split a run is measured on part of train held out: `labeldesk train`
    says "holdout accuracy", while the page said "Val acc", "val accuracy" and "val acc"
    (and the project's statistics read "val 0")."""
    from labeldesk.core.model_versions import ModelVersion
    from labeldesk.gui.charts import EVAL_COLUMN, HistoryTable
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
    from labeldesk.gui.charts import EVAL_COLUMN

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
