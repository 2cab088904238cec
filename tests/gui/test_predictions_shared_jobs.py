"""The browser's scores and the queue's refresh, asked for at once after a label change,
share one computation of the predictions; Esc on the queue stops it between its folds.
Fits are counted (the probe's ``_fit``), not timed."""

from __future__ import annotations

import threading
import time

import pytest

from labeldesk.gui import insights_feed
from labeldesk.gui.insights_feed import InsightsFeed
from labeldesk.gui.review_jobs import ReviewJobs
from labeldesk.ml import probe
from labeldesk.ml.neighbors import neighbor_graph
from labeldesk.ml.predictions import cached_predictions, project_predictions
from labeldesk.ml.store import current_key, embeddings_dir


@pytest.fixture
def labeled(tmp_path):
    from ml.fake_embeddings import make_clustered_project

    project, _ = make_clustered_project(tmp_path, per_class=45)
    neighbor_graph(project)
    project_predictions(project)
    yield project
    project.close()


def counted_fits(monkeypatch) -> list[int]:
    real, fits = probe._fit, []

    def fit(*args, **kwargs):
        fits.append(threading.get_ident())
        time.sleep(0.05)  # slowed, so the two jobs surely overlap
        return real(*args, **kwargs)

    monkeypatch.setattr(probe, "_fit", fit)
    return fits


def no_flight() -> bool:
    return not any(t.name.startswith("single-flight-") for t in threading.enumerate())


def fits_alone(project, monkeypatch) -> int:
    """The fits of one computation after a label change (then the change undone)."""
    fits = counted_fits(monkeypatch)
    project.set_label("train/cow/cow0.png", "bee")
    project_predictions(project)
    project.set_label("train/cow/cow0.png", "cow")
    return len(fits)


def test_the_browser_and_the_queue_share_one_computation(qtbot, labeled, runner, monkeypatch):
    project = labeled
    alone = fits_alone(project, monkeypatch)
    fits = counted_fits(monkeypatch)
    project.set_label("train/cow/cow0.png", "bee")
    feed = InsightsFeed(project, runner)
    jobs = ReviewJobs(project, runner)
    with qtbot.waitSignals([feed.updated, jobs.refreshed], timeout=60000):
        feed.refresh()
        jobs.refresh_queue()
    assert len(fits) == alone  # before: twice as many, each job fitting every fold
    assert cached_predictions(project) is not None
    feed.shutdown()
    jobs.shutdown()


def test_esc_on_the_queue_stops_its_computation_between_folds(qtbot, labeled, runner, monkeypatch):
    project = labeled
    folder = embeddings_dir(project) / current_key(project)
    fits = counted_fits(monkeypatch)
    project.set_label("train/cow/cow0.png", "bee")
    before = sorted(p.name for p in folder.glob("predictions-*.npz"))
    jobs = ReviewJobs(project, runner)
    job = jobs.refresh_queue()
    assert job is not None
    qtbot.waitUntil(lambda: len(fits) >= 2, timeout=60000)
    with qtbot.waitSignal(jobs.refreshCancelled, timeout=60000):
        jobs.stop()  # what leaving the page (Esc) does
        at_stop = len(fits)
    qtbot.waitUntil(no_flight, timeout=60000)
    assert len(fits) - at_stop <= 1  # (one may have begun); before: every fold left
    assert sorted(p.name for p in folder.glob("predictions-*.npz")) == before
    jobs.shutdown()


def test_esc_with_the_browser_scores_due_hands_the_computation_over(
    qtbot, labeled, runner, monkeypatch
):
    project = labeled
    alone = fits_alone(project, monkeypatch)
    fits = counted_fits(monkeypatch)
    project.set_label("train/cow/cow0.png", "bee")
    monkeypatch.setattr(insights_feed, "AFTER_LABELS_MS", 600_000)  # its pause ends below
    feed = InsightsFeed(project, runner)
    assert feed.keeper() is None  # no scores due: nobody to hand the predictions to
    feed.labels_changed()  # the browser's scores are due once the person pauses
    jobs = ReviewJobs(project, runner)
    assert jobs.refresh_queue() is not None
    qtbot.waitUntil(lambda: len(fits) >= 2, timeout=60000)
    keeper = feed.keeper()
    assert keeper is not None
    with qtbot.waitSignal(jobs.refreshCancelled, timeout=60000):
        jobs.stop(keeper)  # what Esc does with the browser's scores due: the job ends
    qtbot.waitUntil(no_flight, timeout=60000)  # finished for the scores (before: stopped)
    with qtbot.waitSignal(feed.updated, timeout=60000):
        feed.refresh(quiet=True)  # the person's pause is over: the scores are computed
    assert len(fits) == alone  # before: the fits done for the queue, then all again
    assert keeper.cancelled  # (the feed is no longer busy: nothing kept for it)
    assert cached_predictions(project) is not None
    feed.shutdown()
    jobs.shutdown()


def test_a_label_change_drops_what_was_kept_for_the_scores(qtbot, labeled, runner):
    feed = InsightsFeed(labeled, runner)
    feed.labels_changed()
    keeper = feed.keeper()
    assert keeper is not None and not keeper.cancelled
    feed.labels_changed()  # the scores due are now for other labels
    assert keeper.cancelled
    feed.shutdown()
