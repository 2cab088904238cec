"""Classes → Add class… (Ctrl+K) refuses a name that differs from a class only in case,
with one message naming the class there is."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog


def test_add_class_refuses_a_case_only_twin_and_names_the_class(qtbot, view, project, monkeypatch):
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Dog, cat", True))
    with qtbot.waitSignal(view.labeling.error) as error:
        qtbot.keyClick(view.grid, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert "'Dog'" in error.args[0] and "the class 'dog'" in error.args[0]
    assert project.classes() == ["cat", "dog"]
    assert not any("Dog" in a.text() for a in view.labeling.label_actions)
