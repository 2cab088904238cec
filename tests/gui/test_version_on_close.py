"""Closing the project while New version is still being recorded (a job that closing
lets run to the end): the version is recorded, and its end reaches no deleted page."""

from __future__ import annotations

import threading

from labeldesk.core import versions
from labeldesk.core.project import open_project


def test_closing_while_a_version_is_recorded(qtbot, window, project, monkeypatch):
    gate = threading.Event()
    real = versions.create_version

    def held(db, name, note=""):
        gate.wait(10)
        return real(db, name, note)

    monkeypatch.setattr(versions, "create_version", held)
    path = project.path
    project.close()
    assert window.open_project(path)
    window.pages.show_versions()
    view = window.pages.versions
    job = view.create_version("v1")
    assert job is not None
    threading.Timer(0.3, gate.set).start()
    window.close_project()  # waits for the job, then deletes the page
    qtbot.wait(300)  # the job's queued signals are delivered now
    again = open_project(path)
    try:
        assert [v.name for v in versions.list_versions(again.db)] == ["v1"]
    finally:
        again.close()
