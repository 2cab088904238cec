"""While the labels are scored again after a change, the sidebar's note says how far the
scoring is and how long it has run, step by step as the computation reports, and within
the predictions' step fold by fold: before, it said "Scoring the labels again…" unchanged
for over a minute on a loaded machine, nothing telling a person it was alive. Statistics'
"likely wrong" says the same, and so does the note of a project's first scoring."""

from __future__ import annotations

import threading

import pytest

from gui.scored_window import likely_wrong, open_scored
from gui.test_expected_errors_rescoring import note_now
from labeldesk.core.progress import Progress
from labeldesk.gui.estimate_words import (
    FIRST_SCORING,
    FIRST_SCORING_TIP,
    first_scoring_text,
    rescoring_text,
    scoring_step_text,
)


def hold(monkeypatch, reports: list[Progress]) -> list[threading.Event]:
    """The scores' computation, making ``reports`` in turn and waiting after each until
    the test lets it go on (an Event a report), then computing them."""
    from labeldesk.ml import insights

    real = insights.insights_if_embedded
    go_on = [threading.Event() for _ in reports]

    def held(project, *, progress, cancel):
        for report, event in zip(reports, go_on, strict=True):
            progress(report)
            assert event.wait(30), "the test never let the scoring go on"
        return real(project, progress=progress, cancel=cancel)

    monkeypatch.setattr(insights, "insights_if_embedded", held)
    return go_on


STEPS = [Progress(0, 3, "neighbours"), Progress(1, 3, "predictions")]


@pytest.fixture
def held_scoring(monkeypatch):
    """The scores' computation, reporting its first two steps and then waiting at each."""
    go_on = hold(monkeypatch, STEPS)
    yield go_on
    for event in go_on:  # (a failed test does not leave the worker waiting)
        event.set()


# The predictions' step, as labeldesk.ml.out_of_sample reports its probes' folds
FOLDS = [
    Progress(1, 3, "predictions"),
    Progress(2, 5, "probe"),
    Progress(0, 5, "pixel probe, pass 2"),
    Progress(2, 3, "label quality"),
]


@pytest.fixture
def held_folds(monkeypatch):
    go_on = hold(monkeypatch, FOLDS)
    yield go_on
    for event in go_on:
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
    qtbot.waitUntil(lambda: "Step 2 of 3, predicting classes: " in note.text())
    held_scoring[1].set()
    qtbot.waitUntil(lambda: not view.feed.busy, timeout=20000)
    assert note.text() == note_now(view)  # the new numbers, no step left behind
    assert "so far" not in note.toolTip()


def test_the_note_says_which_fold_the_predictions_are_at(qtbot, scored_view, held_folds):
    view, note = scored_view, scored_view.sidebar.expected_note
    view.feed._timer.setInterval(200)
    path = view.catalog.info(int(view.catalog.flagged.nonzero()[0][0])).path
    view.project.set_labels({path: "cow"})
    predicting = "Step 2 of 3, predicting classes"
    qtbot.waitUntil(lambda: f"{predicting}: " in note.text(), timeout=10000)
    held_folds[0].set()
    qtbot.waitUntil(lambda: f"{predicting} (fold 3 of 5): " in note.text())
    held_folds[1].set()
    qtbot.waitUntil(lambda: f"{predicting} (pass 2, pixels, fold 1 of 5): " in note.text())
    held_folds[2].set()  # the next step: no fold of the one before is left in its line
    qtbot.waitUntil(lambda: "Step 3 of 3, scoring each label: " in note.text())
    held_folds[3].set()
    qtbot.waitUntil(lambda: not view.feed.busy, timeout=20000)
    assert note.text() == note_now(view)


def test_statistics_says_how_far_the_scoring_is(qtbot, window, clustered, monkeypatch, request):
    view = open_scored(qtbot, window, clustered[0], short_pause=True)
    held_scoring = hold(monkeypatch, STEPS)  # (the first scores came: the next are held)
    request.addfinalizer(lambda: [event.set() for event in held_scoring])
    expected = view.catalog.expected_errors
    window.show_statistics()
    view.project.set_labels(
        {view.catalog.info(int(view.catalog.flagged.nonzero()[0][0])).path: "cow"}
    )
    qtbot.waitUntil(lambda: view.feed.busy, timeout=5000)
    first = "Step 1 of 3, finding each image's neighbours: "
    qtbot.waitUntil(lambda: first in likely_wrong(window), timeout=10000)
    assert likely_wrong(window).startswith(rescoring_text(expected) + "\n")
    said = likely_wrong(window)
    qtbot.waitUntil(lambda: likely_wrong(window) != said, timeout=5000)  # it ticks there too
    held_scoring[0].set()
    qtbot.waitUntil(lambda: "Step 2 of 3, predicting classes: " in likely_wrong(window))
    held_scoring[1].set()
    qtbot.waitUntil(lambda: not view.feed.busy, timeout=20000)
    assert likely_wrong(window).startswith(f"about {view.catalog.expected_errors}")


def test_the_first_scoring_says_how_far_it_is(qtbot, window, clustered, held_scoring):
    project = clustered[0]
    project.close()
    assert window.open_project(project.path)
    view, note = window.view, window.view.sidebar.expected_note
    qtbot.waitUntil(lambda: "Step 1 of 3, finding each image's neighbours: " in note.text())
    assert note.text().startswith(FIRST_SCORING + "\n") and view.catalog.expected_errors is None
    assert note.toolTip() == FIRST_SCORING_TIP  # (what comes then)
    held_scoring[0].set()
    qtbot.waitUntil(lambda: "Step 2 of 3, predicting classes: " in note.text())
    held_scoring[1].set()
    qtbot.waitUntil(lambda: not view.feed.busy, timeout=20000)
    assert note.text().startswith("The model expects about")


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
    assert scoring_step_text((1, 3, "predictions"), 75, (5, 5, "probe, pass 2")) == (
        "Step 2 of 3, predicting classes (pass 2, fold 5 of 5): 1m 15s so far."
    )
    assert scoring_step_text((1, 3, "predictions"), 2, (0, 0, "probe")) == (
        "Step 2 of 3, predicting classes: 2s so far."  # (no folds: none said)
    )
    assert first_scoring_text("Starting: 1s so far.") == f"{FIRST_SCORING}\nStarting: 1s so far."
    assert first_scoring_text() == FIRST_SCORING
    assert rescoring_text(5, " in val", "Starting: 1s so far.") == (
        "Scoring the labels again… (the model last expected about 5 wrong labels in val)"
        "\nStarting: 1s so far."
    )
