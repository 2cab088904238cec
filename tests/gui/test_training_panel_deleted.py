"""The training page ties its jobs' handlers to itself (``Job.connect_while``): a
training run or device check that ends after the page was deleted (a project closed
while it ran) calls nothing on it. Before, they were plain connections (lambdas) guarded
by a flag that only ``shutdown`` set: deleted without it, they ran on deleted widgets
(Internal C++ object already deleted)."""

from __future__ import annotations

import threading

import pytest

from gui.owner_deleted import cancelled_when_let, end_after_owner_deleted, fail_when_let
from labeldesk.gui.training_panel import TrainingPanel
from labeldesk.gui.workers import JobRunner


@pytest.mark.parametrize("end", ["failed", "cancelled"])
def test_a_run_that_ends_after_the_page_was_deleted(qtbot, project, monkeypatch, end):
    from labeldesk.ml import model_choice

    monkeypatch.setattr(TrainingPanel, "detected_device", "cpu")  # no device check
    gate = threading.Event()
    let = fail_when_let(gate) if end == "failed" else cancelled_when_let(gate)
    monkeypatch.setattr(model_choice, "train_and_choose", let)
    runner = JobRunner()
    panel = TrainingPanel(project, runner)
    job = panel.start()
    assert job is not None and job.running
    if end == "cancelled":
        job.cancel()
    assert end_after_owner_deleted(qtbot, panel, job, gate, end=end) == []
    assert runner.shutdown()


def test_a_device_check_that_fails_after_the_page_was_deleted(qtbot, project, monkeypatch):
    from labeldesk.ml import child_jobs

    monkeypatch.setattr(TrainingPanel, "detected_device", None)
    gate = threading.Event()
    monkeypatch.setattr(child_jobs, "run_in_child", fail_when_let(gate))
    runner = JobRunner()
    panel = TrainingPanel(project, runner)
    job = panel.device_job
    assert job is not None and job.running
    assert end_after_owner_deleted(qtbot, panel, job, gate) == []
    assert runner.shutdown()


def test_a_device_found_after_the_page_was_deleted_is_kept(qtbot, project, monkeypatch):
    """The device a check finds is kept for the next page even when its own is gone."""
    from labeldesk.ml import child_jobs

    monkeypatch.setattr(TrainingPanel, "detected_device", None)
    gate = threading.Event()

    def found(*args, **kwargs):
        gate.wait(60)
        return "cpu (a test)"

    monkeypatch.setattr(child_jobs, "run_in_child", found)
    runner = JobRunner()
    panel = TrainingPanel(project, runner)
    job = panel.device_job
    assert end_after_owner_deleted(qtbot, panel, job, gate, end="finished") == []
    assert TrainingPanel.detected_device == "cpu (a test)"
    assert runner.shutdown()
