"""The review's side panel holds still under the annotator's eyes: coming back to a
decided image (←) showed a "✓ Decided" badge over the path that pushed the labels and
the key hint down by its height, and the key hint ("Enter accept t-shirt_top · 1 …")
took a line more or less from one image to the next as the suggested class changed."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QPoint, Qt

from gui.review_views import open_review
from labeldesk.gui.review_view import ReviewView
from labeldesk.gui.workers import JobRunner

LONG = "a-much-longer-class-name-than-the-others"


def _hint_place(qtbot, view: ReviewView) -> tuple[int, int]:
    """Where the key hint sits in the view, and how tall it is, once laid out."""
    qtbot.wait(50)  # the layout request is posted
    hint = view.info.hint
    return hint.mapTo(view, QPoint(0, 0)).y(), hint.height()


def test_a_decided_image_shows_its_badge_without_moving_the_panel(qtbot, issues_view):
    session = issues_view.session
    path = session.current.path
    before = _hint_place(qtbot, issues_view)
    path_top = issues_view.info.path_label.mapTo(issues_view, QPoint(0, 0)).y()
    qtbot.keyClick(issues_view, Qt.Key.Key_Space)  # keep: decided, on to the next
    qtbot.keyClick(issues_view, Qt.Key.Key_Left)  # back to it
    assert session.current.path == path
    badge = issues_view.info.decision_label
    assert badge.isVisible() and badge.text().startswith("✓ Decided: kept")
    assert issues_view.info.path_label.mapTo(issues_view, QPoint(0, 0)).y() == path_top
    assert _hint_place(qtbot, issues_view) == before
    # the badge sits in the room of the "Last: …" line (empty over a decided image),
    # between the model line and the key hint, overlapping neither
    above = issues_view.info.suggested_label.geometry()
    assert badge.geometry().top() > above.bottom()
    assert badge.geometry().bottom() < issues_view.info.hint.geometry().top()
    qtbot.keyClick(issues_view, Qt.Key.Key_Right)  # the next image, with the Last line
    qtbot.keyClick(issues_view, Qt.Key.Key_Left)
    assert _hint_place(qtbot, issues_view) == before


def test_the_key_hint_keeps_its_lines_whichever_class_enter_names(qtbot, issues_view):
    project = issues_view.project
    project.add_classes([LONG])
    qtbot.wait(50)  # the view hears of the write (queued) and lists the new class
    session = issues_view.session
    classes = project.classes()
    first, second = session.items[0], session.items[1]
    # (a suggestion of the label the image has already gives no Enter: not that one)
    shortest = min((c for c in classes if c != first.label), key=len)
    session.items[0] = dataclasses.replace(first, suggested=shortest, confidence=0.9)
    session.items[1] = dataclasses.replace(second, suggested=LONG, confidence=0.9)
    issues_view.step_by(0)  # shown again with the new suggestion
    assert (
        issues_view.info.hint.text().replace("\u00a0", " ").startswith(f"Enter accept {shortest} ·")
    )
    short = _hint_place(qtbot, issues_view)
    qtbot.keyClick(issues_view, Qt.Key.Key_Right)
    said = issues_view.info.hint.text().replace("\u00a0", " ").replace("\u2011", "-")
    assert said.startswith(f"Enter accept {LONG} ·")
    # as tall (the rows above may wrap the long name onto more lines: theirs to keep)
    assert _hint_place(qtbot, issues_view)[1] == short[1]
    # and the room is no more than the longest wording needs: the hint's text fits it
    hint = issues_view.info.hint
    assert hint.height() >= hint.heightForWidth(hint.width()) - 1


def _with_opinions(issues_view: ReviewView, opinions: list[tuple[str, float]]) -> None:
    """The pass's first images given these (suggested, confidence) scores."""
    session = issues_view.session
    for n, (suggested, confidence) in enumerate(opinions):
        item = session.items[n]
        session.items[n] = dataclasses.replace(item, suggested=suggested, confidence=confidence)
    issues_view.step_by(0)  # the first shown again with its new scores


def test_the_key_hint_stays_put_as_the_model_line_wraps(qtbot, issues_view):
    # "almost surely b (95%) — label a looks wrong" took two lines, "probably LONG (81%)
    # — label a looks wrong" three: the lines under it and the key hint moved by a line
    # (23 px at 1280 × 720) from one image to the next
    project = issues_view.project
    project.add_classes([LONG])
    qtbot.wait(50)
    short = min(project.classes(), key=len)
    _with_opinions(issues_view, [(LONG, 0.81), (short, 0.95)])
    first = _hint_place(qtbot, issues_view)
    qtbot.keyClick(issues_view, Qt.Key.Key_Right)
    assert _hint_place(qtbot, issues_view) == first
    # the model line's room holds its longest wording: nothing cut off
    line = issues_view.info.suggested_label
    assert line.height() >= line.heightForWidth(line.width()) - 1
    # back on a decided image, the fit ("3% for ant — scored before your decision") and
    # the model line ("… — scored before your decision") wrap longer: still put
    qtbot.keyClick(issues_view, Qt.Key.Key_Left)
    qtbot.keyClick(issues_view, Qt.Key.Key_Return)  # accept: decided, on to the next
    qtbot.keyClick(issues_view, Qt.Key.Key_Left)
    assert issues_view.info.decision_label.isVisible()
    assert "scored before your decision" in issues_view.info.score_label.text()
    assert _hint_place(qtbot, issues_view) == first


def test_the_queue_key_hint_stays_put_as_the_model_line_wraps(qtbot, clustered):
    project, _ = clustered
    project.add_classes([LONG])
    runner = JobRunner()
    view = open_review(qtbot, project, runner, "queue")
    try:
        short = min(project.classes(), key=len)
        _with_opinions(view, [(short, 0.95), (LONG, 0.2)])
        first = _hint_place(qtbot, view)
        qtbot.keyClick(view, Qt.Key.Key_Right)
        assert _hint_place(qtbot, view) == first
    finally:
        view.shutdown()
        runner.pool.waitForDone(10000)
        runner.shutdown()


def test_the_key_hint_stays_put_under_a_long_given_label(qtbot, issues_view):
    # a class name longer than the column wraps at its hyphens (14 pt): the lines under
    # it moved by a line or two between an image labeled with it and one that is not
    issues_view.project.add_classes([LONG])
    qtbot.wait(50)
    session = issues_view.session
    session.items[1] = dataclasses.replace(session.items[1], label=LONG)
    first = _hint_place(qtbot, issues_view)
    qtbot.keyClick(issues_view, Qt.Key.Key_Right)
    assert issues_view.info.given_label.text().replace("\u2060", "") == LONG
    assert _hint_place(qtbot, issues_view) == first


def test_the_queue_model_line_of_a_labeled_image_is_its_guess(qtbot, clustered):
    # the queue's guess was never a verdict on a label: back on an image just labeled,
    # "unsure, maybe coat (30%) — scored before your decision" took two lines more than
    # the guess (a room every image kept, blank); the badge says it was decided
    project, _ = clustered
    runner = JobRunner()
    view = open_review(qtbot, project, runner, "queue")
    try:
        line = view.info.suggested_label
        before, place = line.text(), _hint_place(qtbot, view)
        qtbot.keyClick(view, Qt.Key.Key_Return)  # label it with the guess
        qtbot.keyClick(view, Qt.Key.Key_Left)
        assert view.info.decision_label.isVisible()
        assert line.text() == before
        assert _hint_place(qtbot, view) == place
    finally:
        view.shutdown()
        runner.pool.waitForDone(10000)
        runner.shutdown()
