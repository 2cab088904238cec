"""Verify an export… while the project is closed, and twice in a row: the check stops
with the project (no result window, no error, the app back on its start page), and a
second check's result replaces the first's window."""

from __future__ import annotations

import threading

from shiboken6 import isValid

from labeldesk.cli import main
from labeldesk.interop import export_check


def test_closing_the_project_while_a_check_runs_stops_it(
    window, project, tmp_path, monkeypatch, qtbot
):
    out = tmp_path / "out"
    assert main(["version", str(project.path), "create", "v1"]) == 0
    assert main(["export", str(project.path), str(out), "--version", "v1"]) == 0
    started = threading.Event()

    def slow_check(project, version, folder, progress, cancel):  # a big export, mid-way
        started.set()
        while True:
            cancel.raise_if_cancelled()
            threading.Event().wait(0.01)

    monkeypatch.setattr(export_check, "check_export", slow_check)
    assert window.open_project(project.path)
    window.pages.show_versions()
    view = window.pages.versions
    errors: list[str] = []
    view.error.connect(errors.append)
    job = view.verify(out)
    assert job is not None and started.wait(30)
    window.close_project()
    qtbot.waitUntil(lambda: not job.running, timeout=30000)
    qtbot.wait(50)  # (what the ended job would show, if anything)
    assert view.verify_dialog is None and errors == []
    assert window.stack.currentWidget() is window.start_page


def test_two_checks_in_a_row_leave_one_result_window(window, project, tmp_path, qtbot):
    out = tmp_path / "out"
    assert main(["version", str(project.path), "create", "v1"]) == 0
    assert main(["export", str(project.path), str(out), "--version", "v1"]) == 0
    assert window.open_project(project.path)
    window.pages.show_versions()
    view = window.pages.versions
    first = view.verify(out)
    assert first is not None
    assert view.verify(out) is None  # one at a time (its button is greyed out meanwhile)
    qtbot.waitUntil(lambda: not first.running and view.verify_button.isEnabled(), timeout=30000)
    shown = view.verify_dialog
    assert shown is not None
    second = view.verify(out)
    assert second is not None
    qtbot.waitUntil(lambda: not second.running and view.verify_button.isEnabled(), timeout=30000)
    assert view.verify_dialog is not None and view.verify_dialog is not shown
    assert view.verify_dialog.isVisible()
    qtbot.waitUntil(lambda: not isValid(shown), timeout=30000)  # the first one: gone
    assert view.verify_dialog.headline.text().startswith("✓")
    window.close_project()
