"""Ctrl+K (Classes → Add class…) works on the review and queue pages too, not only in the
browser: a new user's first queue has no class yet, and its hint sends them there. The
hint then lists the new class's key, and the keys work at once."""

from __future__ import annotations

from ml.fake_embeddings import CLASSES, make_clustered_project
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QInputDialog


def _answer_prompt(asked: list[str], text: str) -> None:
    """Type ``text`` into the Add class prompt once it is open, and press OK."""

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QInputDialog):
            QTimer.singleShot(20, answer)
            return
        asked.append(dialog.windowTitle())
        dialog.setTextValue(text)
        dialog.accept()

    QTimer.singleShot(20, answer)


def test_ctrl_k_adds_a_class_from_the_queue(qtbot, window, tmp_path):
    project, _ = make_clustered_project(tmp_path)
    for name in CLASSES:
        project.remove_class(name)
    window.open_project(project.path)
    try:
        window.review_queue()
        review = window.review.view
        qtbot.waitUntil(lambda: review.session is not None, timeout=20000)
        assert "Add class" in review.info.hint.text()
        review.setFocus()
        asked: list[str] = []
        _answer_prompt(asked, "ant")
        qtbot.keyClick(review, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
        assert asked == ["Add class"] and project.classes() == ["ant"]
        qtbot.waitUntil(lambda: "1\u00a0ant" in review.info.hint.text(), timeout=5000)
        window.activateWindow()  # as the window manager does when the prompt closes
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
        first = review.session.current.path
        qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_1)  # as a person would
        assert project.images().set_index("path").label[first] == "ant"
    finally:
        window.close_project()
