"""Tools → Compute embeddings on a project whose every image has a vector: it says so at
once, with no child process and no model loaded, and rescores nothing (it spent seconds
loading the model, rescored, then said "Embeddings ready: 0 computed (0 img/s)")."""

from __future__ import annotations

import pytest
from ml.fake_embeddings import make_clustered_project

from labeldesk.core.errors import LabelDeskError
from labeldesk.ml import child_jobs
from labeldesk.ml import embed as embed_module


@pytest.fixture
def no_model(monkeypatch) -> list[str]:
    """What tried to run the model (in a child process or here); none of it runs."""
    tried: list[str] = []

    def child(target, *_args, **_kwargs):
        tried.append(target)
        raise LabelDeskError(f"{target} was started")

    def load(*_args, **_kwargs):
        tried.append("load_backbone")
        raise LabelDeskError("the model was loaded")

    monkeypatch.setattr(child_jobs, "run_in_child", child)
    monkeypatch.setattr(embed_module, "load_backbone", load)
    return tried


def test_a_fully_embedded_project_says_so_at_once(qtbot, window, tmp_path, no_model, monkeypatch):
    project, _ = make_clustered_project(tmp_path)
    usable = len(project.images())
    project.close()
    assert window.open_project(tmp_path / "proj")
    errors: list[str] = []
    monkeypatch.setattr(window, "notify_error", lambda message, dialog=True: errors.append(message))
    view = window.view
    rescored: list[bool] = []
    monkeypatch.setattr(view.feed, "refresh", lambda *a, **k: rescored.append(True))
    job = window.compute_embeddings()
    assert job is not None
    qtbot.waitUntil(lambda: not job.running, timeout=20000)
    assert not errors and no_model == []  # no child process, no model
    assert job.result is not None and job.result.up_to_date
    message = window.statusBar().currentMessage()
    assert message == f"All {usable:,} images already have embeddings"
    assert rescored == []  # nothing changed: nothing to rescore
    # the job slot is free again: the menu comes back in the session's slot on the job's
    # end, a later one than the job's own (running)
    qtbot.waitUntil(window.menus.embed_action.isEnabled, timeout=10000)
