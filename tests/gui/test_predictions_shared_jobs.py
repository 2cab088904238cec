"""The browser's scores and the queue's refresh, asked for at once after a label change,
share one computation of the predictions; Esc on the queue stops it between its folds.
Fits are counted (the probe's ``_fit``), not timed."""

from __future__ import annotations

import threading
import time

import pytest

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
    qtbot.waitUntil(
        lambda: not any(t.name.startswith("single-flight-") for t in threading.enumerate()),
        timeout=60000,
    )
    assert len(fits) - at_stop <= 1  # (one may have begun); before: every fold left
    assert sorted(p.name for p in folder.glob("predictions-*.npz")) == before
    jobs.shutdown()
