"""Edit → Undo while a review is shown: the review forgets the decision it took back
(counter, and the image shown again), instead of counting a change that is gone."""

from __future__ import annotations

from PySide6.QtCore import Qt

from gui.review_views import open_in_window, start_review


def label_of(project, path):
    value = project.images().set_index("path").label[path]
    return value if isinstance(value, str) else None


def open_review(qtbot, window, clustered):
    """The clustered project opened in the window, its issues review started and
    focused: (project, review view, review session, the first item)."""
    open_in_window(window, clustered)
    review = start_review(qtbot, window, "issues")
    return window.project, review, review.session, review.session.current


def test_menu_undo_gives_the_image_back_to_the_review(qtbot, window, clustered):
    proj, review, session, first = open_review(qtbot, window, clustered)
    qtbot.keyClick(review, Qt.Key.Key_Return)  # accept the suggestion
    assert label_of(proj, first.path) == first.suggested
    assert session.decided(first) == "accept" and "reviewed 1" in review.counter.text()
    window.view.labeling.undo_action.trigger()  # Edit → Undo label change
    assert label_of(proj, first.path) == first.label
    qtbot.waitUntil(lambda: session.decided(first) is None, timeout=5000)
    assert "reviewed 0" in review.counter.text()
    assert review.info.path_label.text() == first.path  # shown again, to decide anew


def test_ctrl_z_in_the_windows_review_takes_the_decision_back(qtbot, window, clustered):
    proj, review, session, first = open_review(qtbot, window, clustered)
    qtbot.keyClick(review, Qt.Key.Key_Return)
    qtbot.keyClick(review, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert label_of(proj, first.path) == first.label
    qtbot.waitUntil(lambda: session.decided(first) is None, timeout=5000)
    assert session.reviewed == 0 and review.info.path_label.text() == first.path


def test_ctrl_shift_z_and_ctrl_y_in_the_review_redo_the_decision(qtbot, window, clustered):
    proj, review, session, first = open_review(qtbot, window, clustered)
    qtbot.keyClick(review, Qt.Key.Key_Return)
    second = session.current
    qtbot.keyClick(review, Qt.Key.Key_Z)
    assert label_of(proj, first.path) == first.label and session.decided(first) is None
    with qtbot.waitSignal(review.message) as said:
        qtbot.keyClick(
            review,
            Qt.Key.Key_Z,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
    assert said.args[0] == f"Redid: {first.path} → {first.suggested}"
    assert label_of(proj, first.path) == first.suggested and session.decided(first) == "accept"
    assert review.info.path_label.text() == second.path  # moved on, as after the decision
    qtbot.keyClick(review, Qt.Key.Key_Z)
    qtbot.keyClick(review, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert label_of(proj, first.path) == first.suggested and "reviewed 1" in review.counter.text()


def test_menu_redo_in_the_review_counts_the_decision_again(qtbot, window, clustered):
    proj, review, session, first = open_review(qtbot, window, clustered)
    qtbot.keyClick(review, Qt.Key.Key_Return)
    qtbot.keyClick(review, Qt.Key.Key_Z)
    assert session.reviewed == 0
    window.view.labeling.redo_action.trigger()  # Edit → Redo
    assert label_of(proj, first.path) == first.suggested
    qtbot.waitUntil(lambda: session.decided(first) == "accept", timeout=5000)
    assert "reviewed 1" in review.counter.text()
    assert session.redo() == "Nothing to redo in this review"  # not made twice


def test_menu_undo_then_menu_redo_counts_the_decision_again(qtbot, window, clustered):
    proj, review, session, first = open_review(qtbot, window, clustered)
    qtbot.keyClick(review, Qt.Key.Key_Return)
    window.view.labeling.undo_action.trigger()  # Edit → Undo
    qtbot.waitUntil(lambda: session.decided(first) is None, timeout=5000)
    window.view.labeling.redo_action.trigger()  # Edit → Redo
    qtbot.waitUntil(lambda: session.decided(first) == "accept", timeout=5000)
    assert label_of(proj, first.path) == first.suggested
    assert "reviewed 1" in review.counter.text()
