"""Closing the window cancels a running embedding and waits for it; its last signals may
still be queued when the window is deleted (as pytest-qt deletes it, or once a job
outlives closing's wait). None of its handlers may run on the deleted window."""

from __future__ import annotations

import threading

import shiboken6
from ml.tiny_backbone import tiny_backbone

from labeldesk.gui.main_window import MainWindow
from labeldesk.gui.project_jobs import ProjectJobs
from labeldesk.ml import embed as embed_module


def test_an_embedding_cancelled_by_closing_calls_nothing_on_the_deleted_window(
    qtbot, project, monkeypatch
):
    """Before, its cancelled and ended handlers called the deleted window: RuntimeError,
    Internal C++ object already deleted."""
    gate = threading.Event()

    def load_when_let(_spec):
        gate.wait(60)
        return tiny_backbone()

    monkeypatch.setattr(ProjectJobs, "embed_in_process", True)
    monkeypatch.setattr(embed_module, "load_backbone", load_when_let)
    project.close()
    win = MainWindow()
    win.show()
    qtbot.waitExposed(win)
    assert win.open_project(project.path)
    job = win.compute_embeddings()
    assert job is not None
    ends: list[str] = []
    job.cancelled.connect(lambda: ends.append("cancelled"))
    job.finished.connect(lambda _report: ends.append("finished"))
    threading.Timer(0.5, gate.set).start()  # while closing waits for the job
    win.close()
    assert job.executed.is_set()  # it ended; its signals are queued
    shiboken6.delete(win)
    with qtbot.captureExceptions() as exceptions:
        qtbot.waitUntil(lambda: not job.running, timeout=30_000)
        qtbot.wait(200)
    assert [str(e[1]) for e in exceptions] == []
    assert ends == ["cancelled"]
