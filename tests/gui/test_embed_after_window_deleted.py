"""Closing the window cancels a running embedding and waits for it; its last signals may
still be queued when the window is deleted (as pytest-qt deletes it, or once a job
outlives closing's wait). None of its handlers may run on the deleted window."""

from __future__ import annotations

import threading

from ml.tiny_backbone import tiny_backbone

from gui.owner_deleted import close_window_while_job_waits
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
    assert close_window_while_job_waits(qtbot, win, job, gate) == ["cancelled"]
