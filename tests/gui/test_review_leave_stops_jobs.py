"""Leaving the review or the labeling queue (Esc, Back to browser) stops the work only
that page uses. "Refreshing the labeling queue…" and "Finding likely mislabels…" went on
in the browser's job bar after Esc, the refresh then said "Model refit …, queue
refreshed" in the browser, and a queue opened before the model could predict refreshed
itself, hidden, when labels given in the browser allowed it. Now the job bar says
"…: cancelling…" while the step under way (the model's predictions, cached for the
browser's scores too) finishes, and the result is dropped; the page computes its list
afresh when it is opened again."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt

from gui.review_views import open_in_window, start_review
from labeldesk.ml import predictions


@pytest.fixture
def held_predictions(monkeypatch):
    """The model's predictions wait while the returned event is clear (then are made as
    ever): a job is surely still running when the page is left. Set at first."""
    gate = threading.Event()
    gate.set()
    real = predictions.quick_predictions

    def waiting(project, cancel=None):
        assert gate.wait(30)
        return real(project, cancel)

    monkeypatch.setattr(predictions, "quick_predictions", waiting)
    yield gate
    gate.set()


def open_queue(qtbot, window, clustered):
    open_in_window(window, clustered)
    return start_review(qtbot, window, "queue")


def test_esc_stops_the_queue_refresh_and_the_job_bar_says_so(
    qtbot, window, clustered, held_predictions
):
    review = open_queue(qtbot, window, clustered)
    said: list[str] = []
    review.message.connect(said.append)
    held_predictions.clear()
    job = review.refresh_queue()
    assert job is not None and job.running
    qtbot.waitUntil(lambda: window.job_widget.isVisible())
    assert window.job_widget.label.text() == "Refreshing the labeling queue…"
    qtbot.keyClick(review, Qt.Key.Key_Escape)  # back to the browser
    assert window.stack.currentWidget() is window.view
    assert job.token.cancelled
    assert window.job_widget.label.text() == "Refreshing the labeling queue: cancelling…"
    assert not window.job_widget.cancel_button.isEnabled()
    with qtbot.waitSignal(job.cancelled, timeout=30000):
        held_predictions.set()
    qtbot.waitUntil(lambda: not window.job_widget.isVisible())
    assert not any("queue refreshed" in text for text in said)


def test_esc_stops_finding_likely_mislabels(qtbot, window, clustered, held_predictions):
    open_in_window(window, clustered)
    held_predictions.clear()
    review = window.review.start("issues")
    job = review.jobs.load_job
    assert job is not None
    qtbot.waitUntil(lambda: window.job_widget.label.text() == "Finding likely mislabels…")
    loaded: list[int] = []
    review.loaded.connect(loaded.append)
    review.backRequested.emit()  # Esc, or Back to browser
    assert job.token.cancelled
    assert window.job_widget.label.text() == "Finding likely mislabels: cancelling…"
    with qtbot.waitSignal(job.ended, timeout=30000):
        held_predictions.set()
    qtbot.wait(50)
    assert loaded == [] and review.session is None

    # opened again, it finds its list afresh
    again = window.review.start("issues")
    qtbot.waitUntil(lambda: again.session is not None, timeout=30000)
    assert again.session.items
