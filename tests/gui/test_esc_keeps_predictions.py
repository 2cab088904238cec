"""Esc on the labeling queue while it computes the model's predictions, with the
browser's scores due for the same labels: the queue's job ends at once and the
computation goes on for the browser, whose "Likely mislabeled" scores read it. Before,
the computation stopped with the job and the browser computed it all again from
scratch (10-90 s on Xvfb). The computations are counted (by their threads), not timed."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import Qt

from gui.review_views import open_in_window, start_review
from labeldesk.ml import probe
from labeldesk.ml.predictions import cached_predictions


def computations(monkeypatch) -> list[threading.Thread]:
    """The thread of each probe fit from now on (one thread per computation)."""
    real, threads = probe._fit, []

    def fit(*args, **kwargs):
        threads.append(threading.current_thread())
        time.sleep(0.05)  # slowed, so Esc surely comes while it computes
        return real(*args, **kwargs)

    monkeypatch.setattr(probe, "_fit", fit)
    return threads


def test_esc_leaves_the_queues_predictions_to_the_browsers_scores(
    qtbot, window, clustered, monkeypatch
):
    open_in_window(window, clustered)
    view = window.view
    qtbot.waitUntil(lambda: not view.feed.busy, timeout=60000)  # first scores shown
    review = start_review(qtbot, window, "queue")
    threads = computations(monkeypatch)
    view.project.set_label("train/cow/cow0.png", "bee")  # labeled on the queue's page
    job = review.refresh_queue()
    assert job is not None
    qtbot.waitUntil(lambda: len(threads) >= 2, timeout=60000)
    qtbot.keyClick(review, Qt.Key.Key_Escape)  # back to the browser
    assert window.stack.currentWidget() is view
    assert job.token.cancelled
    qtbot.waitUntil(lambda: not job.running, timeout=30000)  # the job ended meanwhile
    qtbot.waitUntil(lambda: not view.feed.busy, timeout=120000)  # then the scores came
    assert len({id(thread) for thread in threads}) == 1  # before: 2, computed again
    assert cached_predictions(view.project) is not None
