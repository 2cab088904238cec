"""On a read-only project the keys that would write (label, accept, keep, exclude,
remove a label, undo, redo) are off, in the review and in the browser: a person pressing
them quickly gets one line in the status bar saying why, not a dialog per key press (a
storm of notices). The review page says so above the image, and its keys line lists only
the keys that still work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ml.fake_embeddings import make_clustered_project
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from labeldesk.core.project import open_project
from labeldesk.gui.review_words import READ_ONLY_KEY_NOTE

REFUSAL = "is read-only: LabelDesk only reads it, nothing was saved"
# every key that writes, in the review: accept, a class, keep (issues), exclude, undo, redo
REVIEW_KEYS = [
    (Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_1, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_2, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_Space, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_X, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_Z, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier),
]


def _notices() -> list[QMessageBox]:
    return [
        w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()
    ]


@contextmanager
def _read_only_window(qtbot, window, tmp_path, make_read_only) -> Iterator[None]:
    """The clustered project made read-only and open in ``window``, active; closed on
    leaving, and then its labels and statuses are as before."""
    project, _ = make_clustered_project(tmp_path)
    before = project.images()[["path", "label", "status"]].copy()
    path = project.path
    project.close()
    make_read_only(path)
    assert window.open_project(path)
    _activate(qtbot, window)
    try:
        yield
    finally:
        window.close_project()
    assert _unchanged(path, before)


def _activate(qtbot, window) -> None:
    """Keys reach the actions of the active window only."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)


def _unchanged(path, before) -> bool:
    with open_project(path) as again:
        after = again.images()[["path", "label", "status"]]
        return after.reset_index(drop=True).equals(before.reset_index(drop=True))


def test_review_keys_on_a_read_only_project_say_why_once_without_a_dialog(
    qtbot, window, tmp_path, make_read_only
):
    with _read_only_window(qtbot, window, tmp_path, make_read_only):
        review = window.review.start("issues")
        assert review is not None
        qtbot.waitUntil(lambda: review.session is not None, timeout=20000)
        assert review.session.current is not None
        shown = review.session.current.path
        _activate(qtbot, window)
        review.setFocus()
        for _ in range(3):  # quickly, several times each
            for key, modifier in REVIEW_KEYS:
                qtbot.keyClick(review, key, modifier)
        assert _notices() == []
        # the page says why and what to do, above the image, and the key's line points
        # there: it repeated the banner's reason and advice, cut off at the window's edge
        assert window.statusBar().currentMessage() == READ_ONLY_KEY_NOTE
        assert review.read_only_banner.isVisible()
        assert "read-only" in review.read_only_banner.text()
        assert "copy the project folder" in review.read_only_banner.text()
        assert [a for a in review.writing_actions if a.isEnabled()] == []
        hint = review.info.hint.text()
        assert "accept" not in hint and "exclude" not in hint and "undo" not in hint
        assert "move" in hint and "back" in hint
        assert review.session.current.path == shown  # nothing decided, nothing moved on
        qtbot.keyClick(review, Qt.Key.Key_Right)  # moving through the images still works
        assert review.session.current.path != shown


def test_browser_keys_on_a_read_only_project_say_why_without_a_dialog(
    qtbot, window, tmp_path, make_read_only
):
    with _read_only_window(qtbot, window, tmp_path, make_read_only):
        view = window.view
        labeling = view.labeling
        writing = [*labeling.label_actions, labeling.clear_action, labeling.exclude_action]
        assert [a.text() for a in writing if a.isEnabled()] == []  # greyed in the menus
        view.grid.select_row(0)
        view.grid.setFocus()
        keys = [Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_0, Qt.Key.Key_Backspace, Qt.Key.Key_X]
        for _ in range(3):
            for key in keys:
                qtbot.keyClick(view.grid, key)
        assert _notices() == []
        assert REFUSAL in window.statusBar().currentMessage()
        assert list(view.grid.selected_rows()) == [0]  # the keys did not move on either


def test_a_capital_letter_key_on_a_read_only_project_says_why_too(
    qtbot, window, tmp_path, make_read_only
):
    # Shift+X excludes on a writable project, so here it says why it cannot, as X does
    with _read_only_window(qtbot, window, tmp_path, make_read_only):
        view = window.view
        view.grid.select_row(0)
        view.grid.setFocus()
        window.statusBar().clearMessage()
        qtbot.keyClick(view.grid, Qt.Key.Key_X, Qt.KeyboardModifier.ShiftModifier)
        assert REFUSAL in window.statusBar().currentMessage()
        assert _notices() == []


def test_a_writable_project_keeps_its_review_keys(qtbot, window, tmp_path):
    project, _ = make_clustered_project(tmp_path)
    window.open_project(project.path)
    try:
        review = window.review.start("issues")
        qtbot.waitUntil(lambda: review.session is not None, timeout=20000)
        assert not review.read_only_banner.isVisible()
        assert all(a.isEnabled() for a in review.writing_actions)
        assert "accept" in review.info.hint.text()
        shown = review.session.current.path
        _activate(qtbot, window)
        review.setFocus()
        qtbot.keyClick(review, Qt.Key.Key_X)
        assert review.session.current.path != shown  # excluded, and on to the next
    finally:
        window.close_project()


def test_a_skip_on_a_read_only_project_does_not_offer_the_undo_key(
    qtbot, window, tmp_path, make_read_only
):
    """In the labeling queue Space still skips on a read-only project; the line under the
    next image says so, without '(Z undoes it)': Z is off there (it says read-only)."""
    with _read_only_window(qtbot, window, tmp_path, make_read_only):
        review = window.review.start("queue")
        assert review is not None
        qtbot.waitUntil(lambda: review.session is not None, timeout=20000)
        shown = review.session.current.path
        _activate(qtbot, window)
        review.setFocus()
        qtbot.keyClick(review, Qt.Key.Key_Space)
        assert review.session.current.path != shown  # skipped: on to the next image
        last = review.info.last_label.text()
        assert last.startswith("Last: Skipped") and "undoes" not in last
