"""A review's or the browser's background job that ends after the view that started it
was deleted (a project closed while the job ran on) calls nothing on it. Before, their
failure handlers emitted a signal of the deleted object: RuntimeError, Internal C++
object already deleted."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject

from gui.owner_deleted import end_after_owner_deleted, fail_when_let
from labeldesk.gui.workers import JobRunner


def test_a_review_load_that_fails_after_its_view_was_deleted(qtbot, project, monkeypatch):
    from labeldesk.gui import review_jobs
    from labeldesk.gui.review_jobs import ReviewJobs

    gate = threading.Event()
    monkeypatch.setattr(review_jobs, "compute_items", fail_when_let(gate))
    runner, owner = JobRunner(), QObject()
    jobs = ReviewJobs(project, runner, parent=owner)
    job = jobs.load("issues")
    assert end_after_owner_deleted(qtbot, owner, job, gate) == []
    assert runner.shutdown()


def test_insights_that_fail_after_their_view_was_deleted(qtbot, project, monkeypatch):
    from labeldesk.gui.insights_feed import InsightsFeed
    from labeldesk.ml import insights

    gate = threading.Event()
    monkeypatch.setattr(insights, "insights_if_embedded", fail_when_let(gate))
    runner, owner = JobRunner(), QObject()
    feed = InsightsFeed(project, runner, parent=owner)
    job = feed.refresh()
    assert job is not None
    assert end_after_owner_deleted(qtbot, owner, job, gate) == []
    assert runner.shutdown()


def test_handlers_live_from_the_start_to_the_end_of_their_job(qtbot):
    """A job refused before it started (another exclusive job ran) leaves no handler on
    its owner; a started one's go once it ended."""
    from labeldesk.gui.workers import Job

    owner = QObject()
    results: list[int] = []
    refused = Job(lambda *, progress, cancel: 1, "refused")
    refused.connect_while(owner, refused.finished, results.append)
    assert owner.children() == []
    job = Job(lambda *, progress, cancel: 2, "run")
    job.connect_while(owner, job.finished, results.append)
    runner = JobRunner()
    runner.start(job)
    qtbot.waitUntil(lambda: results == [2], timeout=10_000)
    qtbot.waitUntil(lambda: owner.children() == [], timeout=10_000)
    assert runner.shutdown()
