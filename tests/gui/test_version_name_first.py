"""New version…: a name that cannot be used is refused before the note is asked for (the
note was asked, then "there is a version named 'baseline' already" came)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QInputDialog

from labeldesk.gui.versions_view import VersionsView


@pytest.fixture
def asked(monkeypatch):
    """The questions QInputDialog.getText is asked; it answers the name, then a note."""
    questions: list[str] = []
    answers = iter(["baseline", "a note", "baseline", "a note"])

    def get_text(parent, title, label, *args, **kwargs):
        questions.append(label)
        return next(answers), True

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(get_text))
    return questions


def test_a_name_in_use_is_refused_before_the_note(qtbot, project, asked):
    view = VersionsView(project)
    qtbot.addWidget(view)
    view.prompt_create()  # name, note: recorded
    qtbot.waitUntil(lambda: view.table.rowCount() == 1, timeout=10000)
    assert len(asked) == 2
    errors: list[str] = []
    view.error.connect(errors.append)
    view.prompt_create()  # the same name again
    assert len(asked) == 3  # no note asked for
    assert errors == ["There is a version named 'baseline' already; pick another name"]
    assert view.create_job is not None and not view.create_job.running
    assert view.table.rowCount() == 1
    view.shutdown()
