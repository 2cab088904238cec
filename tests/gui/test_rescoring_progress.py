"""While the labels are scored again after a change, the sidebar's note says how far the
scoring is and how long it has run, step by step as the computation reports: before, it
said "Scoring the labels again…" unchanged for over a minute on a loaded machine, nothing
telling a person it was alive."""

from __future__ import annotations

import threading

import pytest

from gui.test_expected_errors_rescoring import note_now
from labeldesk.core.progress import Progress
from labeldesk.gui.estimate_words import rescoring_text, scoring_step_text


@pytest.fixture
def held_scoring(monkeypatch):
    """The scores' computation, reporting its first two steps and then waiting at each
    until the test lets it go on (an Event a step)."""
    from labeldesk.ml import insights

    real = insights.insights_if_embedded
    go_on = [threading.Event(), threading.Event()]

    def held(project, *, progress, cancel):
        for done, name in enumerate(("neighbours", "predictions")):
            progress(Progress(done, 3, name))
            assert go_on[done].wait(30), "the test never let the scoring go on"
        return real(project, progress=progress, cancel=cancel)

    monkeypatch.setattr(insights, "insights_if_embedded", held)
    yield go_on
    for event in go_on:  # (a failed test does not leave the worker waiting)
        event.set()


def test_the_note_says_each_step_of_the_scoring_and_how_long_it_runs(
    qtbot, scored_view, held_scoring
):
    view, note = scored_view, scored_view.sidebar.expected_note
    expected = view.catalog.expected_errors
    view.feed._timer.setInterval(200)  # (the pause after changes: 3 s)
    path = view.catalog.info(int(view.catalog.flagged.nonzero()[0][0])).path
    view.project.set_labels({path: "cow"})
    qtbot.waitUntil(lambda: view.feed.busy)
    assert note.text() == rescoring_text(expected)  # the pause after changes: no step yet
    first = "Step 1 of 3, finding each image's neighbours: "
    qtbot.waitUntil(lambda: first in note.text(), timeout=10000)
    assert note.text().startswith(rescoring_text(expected) + "\n")
    said = note.text()
    qtbot.waitUntil(lambda: note.text() != said, timeout=5000)  # a second on: it ticks
    assert first in note.text() and note.text().endswith(" so far.")
    assert "Step 1 of 3" in note.toolTip()
    held_scoring[0].set()
    qtbot.waitUntil(lambda: "Step 2 of 3, predicting each image's class: " in note.text())
    held_scoring[1].set()
    qtbot.waitUntil(lambda: not view.feed.busy, timeout=20000)
    assert note.text() == note_now(view)  # the new numbers, no step left behind
    assert "so far" not in note.toolTip()


def test_the_scoring_step_words():
    assert scoring_step_text(None, None) == ""  # not started: the pause after changes
    assert scoring_step_text(None, 4.2) == "Starting: 4s so far."
    assert scoring_step_text((0, 3, "neighbours"), 61) == (
        "Step 1 of 3, finding each image's neighbours: 1m 01s so far."
    )
    assert scoring_step_text((2, 3, "label quality"), 9) == (
        "Step 3 of 3, scoring each label: 9s so far."
    )
    assert scoring_step_text((3, 3, "done"), 0) == "Taking the new scores: 0s so far."
    assert rescoring_text(5, " in val", "Starting: 1s so far.") == (
        "Scoring the labels again… (the model last expected about 5 wrong labels in val)"
        "\nStarting: 1s so far."
    )
