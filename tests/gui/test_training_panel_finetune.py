"""The training page's fine-tuning runs: handed to a child process with the chosen
settings, what a cancel keeps at each phase (an epoch, the saved model, its re-embedding,
the flags counted again), the plan said while it runs, and the summary at its end."""

from __future__ import annotations

import shutil

import pytest
from ml.fake_embeddings import make_clustered_project, record_awaited_finetune

from labeldesk.core.errors import LabelDeskError
from labeldesk.core.progress import Progress
from labeldesk.gui.training_panel import TrainingPanel, describe

pytest.importorskip("torch")


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


def _finetune_reporting(
    panel,
    monkeypatch,
    reports,
    cancelled="cancelled before the first epoch finished: no model was saved",
):
    """Fine-tuning (3 epochs) stood in for by a child that sends ``reports``, waits for
    Cancel, and fails with ``cancelled`` (what the child's Cancelled says, passed on as
    text)."""
    import time

    def fake_child(project_path, params, *, progress, cancel):
        for report in reports:
            progress(report)
        while not cancel.cancelled:
            time.sleep(0.01)
        raise LabelDeskError(cancelled)

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
    # the panel's slot on the job's end (a later one than the job's own that sets
    # running) hides the plan and gives Start back
    qtbot.waitUntil(lambda: not job.running and panel.start_button.isEnabled(), timeout=10_000)
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
    reports = [
        Progress(18, 18, "fine-tuning", {"epoch": 3, "epochs": 3, "loss": 0.5,
                                         "eval_accuracy": 0.8}),
        Progress(0, 0, "loading model /p/models/x-finetune/model.safetensors"),
        Progress(40, 600, "embedding"),
    ]  # fmt: skip
    cancelled = (
        "fine-tuned model version 2 is saved, but embedding with it was interrupted; "
        "the project keeps the embeddings it had until `labeldesk embed P` finishes them"
    )
    _finetune_reporting(panel, monkeypatch, reports, cancelled)
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
