"""Errors the window shows (the status bar and the notice) began in lower case, as the
core writes them ("cannot add class 'Bag': …"); a sentence now starts with a capital,
while a message that starts with a path or a file name stays exactly as it is."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog


def shown_errors(monkeypatch) -> list[str]:
    from labeldesk.gui import window_notices

    shown: list[str] = []
    monkeypatch.setattr(window_notices, "show_error", lambda parent, text: shown.append(text))
    return shown


def test_a_refused_class_is_said_as_a_sentence(qtbot, window, project, monkeypatch):
    shown = shown_errors(monkeypatch)
    assert window.open_project(project.path)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Dog", True))
    qtbot.keyClick(window.view.grid, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert shown and shown[-1].startswith("Cannot add class 'Dog': 'Dog' differs from the")
    assert window.statusBar().currentMessage() == shown[-1].splitlines()[0]


@pytest.mark.parametrize(
    "message",
    [
        "/home/ana/pets is a file; pick a new folder for the project",
        "C:\\pets is a file; pick a new folder for the project",
        "_unlabeled/u0.png changed since the last scan; rescan the folder",
        "labels.csv: not a label file LabelDesk recognises",
        "pets: file not found",
        "'bag' is not a class",
    ],
)
def test_a_message_that_starts_with_a_path_or_a_name_stays_as_it_is(window, monkeypatch, message):
    shown = shown_errors(monkeypatch)
    window.notify_error(message)
    assert shown == [message]
    assert window.statusBar().currentMessage() == message
