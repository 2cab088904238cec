"""Predictions asked for by two jobs at once are computed once, and a cancelled request
stops the computation between its folds when nobody else wants it (leaving the cache as
it was). Fits are counted (the probe's ``_fit``), not timed."""

from __future__ import annotations

import threading
import time

import pytest

from labeldesk.core import single_flight
from labeldesk.core.errors import Cancelled
from labeldesk.core.progress import CancelToken
from labeldesk.ml import probe
from labeldesk.ml.child_jobs import run_in_child
from labeldesk.ml.insights import image_insights
from labeldesk.ml.neighbors import neighbor_graph
from labeldesk.ml.predictions import cached_predictions, project_predictions
from labeldesk.ml.store import current_key, embeddings_dir

FIT_DELAY_S = 0.05  # each fit slowed, so two requests surely overlap


@pytest.fixture
def clustered45(tmp_path):
    """The clustered project with enough labels for the cleaning round (more folds)."""
    from ml.fake_embeddings import make_clustered_project

    project, _ = make_clustered_project(tmp_path, per_class=45)
    neighbor_graph(project)  # its own cache, made once: not what is counted here
    yield project
    project.close()


def counted_fits(monkeypatch, on_fit=None) -> list[int]:
    """The ids of the threads that fit a probe, one entry per fit from now on."""
    real, fits = probe._fit, []

    def fit(*args, **kwargs):
        fits.append(threading.get_ident())
        if on_fit is not None:
            on_fit(len(fits))
        time.sleep(FIT_DELAY_S)
        return real(*args, **kwargs)

    monkeypatch.setattr(probe, "_fit", fit)
    return fits


def store_files(project) -> dict[str, int]:
    """The predictions' files in the store's folder and when each was written."""
    folder = embeddings_dir(project) / current_key(project)
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir() if "predictions" in p.name}


def drop_cache(project) -> None:
    folder = embeddings_dir(project) / current_key(project)
    for path in folder.glob("predictions-*.npz"):
        path.unlink()


def flights_over() -> bool:
    return not any(t.name.startswith("single-flight-") for t in threading.enumerate())


def solo_fits(project, monkeypatch) -> int:
    """How many fits one request for the predictions makes (the cache then dropped)."""
    fits = counted_fits(monkeypatch)
    project_predictions(project)
    drop_cache(project)
    return len(fits)


def asked_on_a_thread(project, token) -> tuple[threading.Thread, list[object]]:
    """The project's predictions asked for on a thread of its own with ``token``: the
    thread (started) and the list that gets their answer, the predictions or Cancelled."""
    outcome: list[object] = []

    def ask():
        try:
            outcome.append(project_predictions(project, cancel=token))
        except Cancelled as exc:
            outcome.append(exc)

    thread = threading.Thread(target=ask)
    thread.start()
    return thread, outcome


def test_two_requests_at_once_fit_the_folds_once(clustered45, monkeypatch):
    project = clustered45
    alone = solo_fits(project, monkeypatch)
    fits = counted_fits(monkeypatch)
    start = threading.Barrier(2)
    results = []

    def ask():
        start.wait()
        results.append(project_predictions(project))

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(results) == 2
    assert len(fits) == alone  # before: 2 * alone, each request fitting every fold
    assert (results[0].probs == results[1].probs).all()


def test_a_cancel_stops_between_folds_and_caches_nothing(clustered45, monkeypatch):
    project = clustered45
    project_predictions(project)  # the cache of the labels as they were
    project.set_label("train/cow/cow0.png", "bee")
    before = store_files(project)
    token = CancelToken()
    at_cancel = []

    def cancel_at_second(count):
        if count == 2:
            token.cancel()
            at_cancel.append(count)

    fits = counted_fits(monkeypatch, cancel_at_second)
    with pytest.raises(Cancelled):
        image_insights(project, cancel=token)
    assert at_cancel == [2]
    deadline = time.monotonic() + 30
    while not flights_over() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(fits) == 2  # before: every fold fitted, then Cancelled
    assert store_files(project) == before  # the old labels' file only, untouched
    assert cached_predictions(project) is None


def test_a_cancelled_requester_leaves_the_other_its_result(clustered45, monkeypatch):
    project = clustered45
    alone = solo_fits(project, monkeypatch)
    first, second = CancelToken(), CancelToken()
    fits = counted_fits(monkeypatch, lambda n: first.cancel() if n == 2 else None)
    a, outcome_a = asked_on_a_thread(project, first)
    b, outcome_b = asked_on_a_thread(project, second)
    a.join(60)
    b.join(60)
    assert isinstance(outcome_a[0], Cancelled)
    assert not isinstance(outcome_b[0], Cancelled)
    assert len(fits) == alone
    assert cached_predictions(project) is not None


def test_a_second_process_waits_for_the_first_and_reads_its_cache(clustered45, monkeypatch):
    """The app's browser scores come from a child process, the queue from a thread."""
    project = clustered45
    alone = solo_fits(project, monkeypatch)
    fitting = threading.Event()
    child: dict[str, int] = {}

    def in_child():
        child["fits"] = run_in_child(
            "ml.child_targets:predictions_with_slow_fits", project.path,
            progress=lambda update: fitting.set(), delay=0.2,
        )  # fmt: skip

    thread = threading.Thread(target=in_child)
    thread.start()
    assert fitting.wait(120)
    fits = counted_fits(monkeypatch)
    here = project_predictions(project)
    thread.join(120)
    assert child["fits"] == alone
    assert fits == []  # before: every fold fitted here too
    assert (
        cached_predictions(project) is not None
        and (here.probs == cached_predictions(project).probs).all()
    )


def test_a_cancelled_computation_goes_on_while_another_process_waits(clustered45, monkeypatch):
    """Esc on the queue while the browser's scores (a child process) wait for the same
    predictions: the queue's job ends, its computation goes on for the child, which then
    reads them from the cache instead of starting over."""
    project = clustered45
    alone = solo_fits(project, monkeypatch)
    folder = embeddings_dir(project) / current_key(project)
    token, first_fit, go_on = CancelToken(), threading.Event(), threading.Event()

    def at_fit(count):
        first_fit.set()
        if count == 2:  # holds until the child waits and the cancel is made
            go_on.wait(120)

    fits = counted_fits(monkeypatch, at_fit)
    here, outcome = asked_on_a_thread(project, token)
    assert first_fit.wait(60)
    child: dict[str, int] = {}
    there = threading.Thread(
        target=lambda: child.update(
            fits=run_in_child(
                "ml.child_targets:predictions_with_slow_fits", project.path, delay=0.0
            )
        )
    )
    there.start()
    deadline = time.monotonic() + 120
    while not awaited(folder) and time.monotonic() < deadline:
        time.sleep(0.05)  # the child's imports take a few seconds
    token.cancel()
    go_on.set()
    here.join(60)
    there.join(120)
    assert isinstance(outcome[0], Cancelled)
    assert child["fits"] == 0  # before: the computation here stopped, the child's did all
    assert len(fits) == alone


def awaited(folder) -> bool:
    """Whether a process holds a predictions' wait mark (a shared lock on a .want file)."""
    import fcntl
    import os

    for path in folder.glob(".predictions-*.want"):
        fd = os.open(path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
    return False


def test_a_kept_computation_stops_once_the_labels_it_is_for_change(clustered45, monkeypatch):
    """Esc on the queue hands its computation to the browser's scores (a keeper); labels
    changed between the queue's start and Esc, so the scores will ask for the new
    labels' predictions (another cache key), never reading the kept ones. Before, the
    kept computation went on beside the new one (twice the work on two cores) and, when
    it ended last, its cache write removed the new labels' file (one version is kept)."""
    project = clustered45
    alone = solo_fits(project, monkeypatch)
    token, first_fit, go_on = CancelToken(), threading.Event(), threading.Event()

    def at_fit(count):
        if count == 1:
            first_fit.set()
        if threading.get_ident() == fits[0]:  # the kept computation waits for the new one
            go_on.wait(120)

    fits = counted_fits(monkeypatch, at_fit)
    queue, outcome = asked_on_a_thread(project, token)
    assert first_fit.wait(60)
    project.set_label("train/cow/cow0.png", "bee")  # on the queue's page, then Esc:
    assert single_flight.hand_over(token, CancelToken()) == 1
    token.cancel()
    queue.join(60)
    assert isinstance(outcome[0], Cancelled)
    current = project_predictions(project)  # the browser's scores, for the new labels
    go_on.set()
    deadline = time.monotonic() + 60
    while not flights_over() and time.monotonic() < deadline:
        time.sleep(0.02)
    kept_fits = [f for f in fits if f == fits[0]]
    assert len(kept_fits) == 1  # before: all of them (alone), for labels nobody reads
    cached = cached_predictions(project)
    assert cached is not None  # before: None, the old labels' write removed it
    assert (cached.probs == current.probs).all()
    assert len(fits) - len(kept_fits) == alone
