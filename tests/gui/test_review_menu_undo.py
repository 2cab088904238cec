"""Edit ▸ Undo while a review is shown: the review forgets the decision it took back
(counter, and the image shown again), instead of counting a change that is gone."""

from __future__ import annotations

from PySide6.QtCore import Qt


def label_of(project, path):
    value = project.images().set_index("path").label[path]
    return value if isinstance(value, str) else None


def open_review(qtbot, window, clustered):
    """The clustered project opened in the window, its issues review started and
    focused: (project, review view, review session, the first item)."""
    project, _ = clustered
    path = project.path
    project.close()
    assert window.open_project(path)
    review = window.review.start("issues")
    qtbot.waitUntil(lambda: review.session is not None, timeout=30000)
    review.setFocus()
    return window.project, review, review.session, review.session.current


def test_menu_undo_gives_the_image_back_to_the_review(qtbot, window, clustered):
    proj, review, session, first = open_review(qtbot, window, clustered)
    qtbot.keyClick(review, Qt.Key.Key_Return)  # accept the suggestion
    assert label_of(proj, first.path) == first.suggested
    assert session.decided(first) == "accept" and "reviewed 1" in review.counter.text()
    window.view.labeling.undo_action.trigger()  # Edit ▸ Undo label change
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
