"""Ctrl+K (Classes ▸ Add class…) works on the review and queue pages too, not only in the
browser: a new user's first queue has no class yet, and its hint sends them there. The
hint then lists the new class's key."""

from __future__ import annotations

from ml.fake_embeddings import CLASSES, make_clustered_project
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog


def test_ctrl_k_adds_a_class_from_the_queue(qtbot, window, tmp_path, monkeypatch):
    project, _ = make_clustered_project(tmp_path)
    for name in CLASSES:
        project.remove_class(name)
    asked: list[str] = []

    def answer(parent, title, *args, **kwargs):
        asked.append(title)
        return "ant", True

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(answer))
    window.open_project(project.path)
    try:
        window.review_queue()
        review = window.review.view
        qtbot.waitUntil(lambda: review.session is not None, timeout=20000)
        assert "Add class" in review.info.hint.text()
        review.setFocus()
        qtbot.keyClick(review, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
        assert asked == ["Add class"]
        assert window.view.labeling.classes == ["ant"] or project.classes() == ["ant"]
        qtbot.waitUntil(lambda: "1\u00a0ant" in review.info.hint.text(), timeout=5000)
    finally:
        window.close_project()
