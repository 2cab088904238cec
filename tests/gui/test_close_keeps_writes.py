"""Closing the window while a label key's big write waits for a free worker thread (both
held by longer jobs) saves the labels: closing cancelled every job, the write too, and
the person's key was dropped without a word. Its own Cancel still drops it."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt

from labeldesk.core.project import open_project
from labeldesk.gui.workers import Job


def busy(*, progress, cancel) -> None:
    while not cancel.cancelled:
        threading.Event().wait(0.02)


def open_with_busy_threads(qtbot, window, project, monkeypatch):
    from labeldesk.gui import labeling

    monkeypatch.setattr(labeling, "BACKGROUND_WRITE", 3)
    path = project.path
    project.close()
    assert window.open_project(path)
    view = window.view
    qtbot.waitUntil(lambda: view.fill_job is None or not view.fill_job.running)
    for n in range(2):  # two long jobs (an embedding, the scores) hold both threads
        window.runner.start(Job(busy, f"busy {n}"))
    view.grid.setFocus()
    view.grid.selectAll()
    qtbot.keyClick(view.grid, Qt.Key.Key_2)
    assert view.labeling.writing is not None and view.labeling.writing.running
    return path, view


def labels_in(path) -> dict:
    again = open_project(path)
    try:
        return again.images(include_skipped=False).label.value_counts(dropna=False).to_dict()
    finally:
        again.close()


def test_closing_the_window_saves_a_label_write_still_waiting(qtbot, window, project, monkeypatch):
    path, _ = open_with_busy_threads(qtbot, window, project, monkeypatch)
    window.close()
    assert labels_in(path) == {"dog": 19, "cat": 0}


def test_the_writes_own_cancel_still_drops_it_before_it_began(qtbot, window, project, monkeypatch):
    path, view = open_with_busy_threads(qtbot, window, project, monkeypatch)
    view.labeling.writing.cancel()  # the job bar's Cancel
    window.close()
    counts = labels_in(path)
    assert (counts["cat"], counts["dog"]) == (8, 8)  # nothing written


def test_closing_the_project_lets_the_write_end_unseen(qtbot, window, project, monkeypatch):
    """Closed (File → Close, or another project opened) rather than the window: the write
    commits after the browser is gone, and its end reaches none of its widgets (was:
    'Signal source has been deleted' from the Qt slot)."""
    path, _ = open_with_busy_threads(qtbot, window, project, monkeypatch)
    window.close_project()
    qtbot.wait(300)  # the write's queued signals are delivered now
    assert labels_in(path) == {"dog": 19, "cat": 0}
