"""The training page's versions box ties its jobs' handlers to itself
(``Job.connect_while``): a scoring or comparing job that ends after the box was deleted
(a project closed while it ran) calls nothing on it. Before, the handlers were plain
connections guarded by a flag that only ``shutdown`` set: deleted without it, the box's
failure handlers (lambdas) ran on deleted widgets (Internal C++ object already
deleted)."""

from __future__ import annotations

import threading

import pytest

from gui.owner_deleted import end_after_owner_deleted, fail_when_let
from labeldesk.core.model_versions import ModelVersion
from labeldesk.gui.workers import JobRunner

HEAD = ModelVersion(1, "head", "complete", 0.0, 0, None, {}, {}, None)


def finished_when_let(gate: threading.Event):
    """Scores that come once ``gate`` opens (their handler, a bound method, was dropped
    with the box before too: a guard)."""

    def scores(project):
        gate.wait(60)
        return {}, (None, None), None

    return scores


@pytest.mark.parametrize("end", ["failed", "finished"])
def test_a_scoring_job_that_ends_after_the_box_was_deleted(qtbot, project, monkeypatch, end):
    from labeldesk.gui import model_versions_box
    from labeldesk.gui.model_versions_box import VersionsBox

    gate = threading.Event()
    let = fail_when_let(gate) if end == "failed" else finished_when_let(gate)
    monkeypatch.setattr(model_versions_box, "_scores", let)
    runner = JobRunner()
    box = VersionsBox(project, runner)
    box.set_versions([HEAD])  # a head to score: the job starts
    job = box.score_job
    assert job is not None and job.running
    assert end_after_owner_deleted(qtbot, box, job, gate, end=end) == []
    assert runner.shutdown()


def test_a_comparing_job_that_fails_after_the_box_was_deleted(qtbot, project, monkeypatch):
    from labeldesk.gui.model_versions_box import VersionsBox
    from labeldesk.ml import model_eval

    gate = threading.Event()
    monkeypatch.setattr(model_eval, "frozen_test_set", fail_when_let(gate))
    monkeypatch.setattr(VersionsBox, "_score", lambda self: None)  # the comparison alone
    runner = JobRunner()
    box = VersionsBox(project, runner)
    second = ModelVersion(2, "head", "complete", 0.0, 0, None, {}, {}, None)
    box.set_versions([second, HEAD])
    jobs: list = []
    runner.jobStarted.connect(jobs.append)
    box.table.selectAll()
    box.compare_selected()
    [job] = jobs
    assert end_after_owner_deleted(qtbot, box, job, gate) == []
    assert runner.shutdown()
