"""Compute embeddings cancelled while it builds the similar-image search's index: the
status bar says that every embedding is kept but no index was saved, and what builds it
(as `labeldesk embed` says after Ctrl+C then), not only "finished batches are kept"."""

from __future__ import annotations

from ml.test_index_at_embed import large_project, si_path
from ml.test_similar_from_index import compressed
from ml.tiny_backbone import tiny_backbone

from labeldesk.gui.project_jobs import ProjectJobs
from labeldesk.ml import embed as embed_module
from labeldesk.ml.store import current_store


def test_a_cancel_while_the_index_is_built_says_no_index_was_saved(
    qtbot, window, tmp_path, monkeypatch
):
    compressed(monkeypatch)  # 90 images count as large: the run ends by building the index
    project = large_project(tmp_path)
    project.close()
    monkeypatch.setattr(ProjectJobs, "embed_in_process", True)
    monkeypatch.setattr(embed_module, "load_backbone", lambda _spec: tiny_backbone())
    real = embed_module.ready_for_search
    building: list[bool] = []

    def cancel_as_it_starts(*args, cancel, **kwargs):
        """The person presses Cancel once every batch is in and the index build begins."""
        building.append(True)
        window.embed_job.cancel()
        return real(*args, cancel=cancel, **kwargs)

    monkeypatch.setattr(embed_module, "ready_for_search", cancel_as_it_starts)
    assert window.open_project(project.path)
    job = window.compute_embeddings()
    assert job is not None
    qtbot.waitUntil(lambda: not job.running, timeout=30000)
    assert building and job.result is not None and job.result.embedded == 90
    message = window.statusBar().currentMessage()
    assert message == (
        "Embedding cancelled; every embedding is kept; the search index for similar images "
        "was not saved (the next Compute embeddings or the first More like this builds it)"
    ), message
    opened = window.view.project
    assert current_store(opened).count == 90 and not si_path(opened).exists()  # as said


def test_a_cancel_between_batches_says_the_finished_batches_are_kept(
    qtbot, window, project, monkeypatch
):
    """A cancel before the index: nothing of an index to tell."""
    monkeypatch.setattr(ProjectJobs, "embed_in_process", True)
    monkeypatch.setattr(embed_module, "load_backbone", lambda _spec: tiny_backbone())
    assert window.open_project(project.path)
    job = window.compute_embeddings()
    assert job is not None
    job.cancel()
    qtbot.waitUntil(lambda: not job.running, timeout=30000)
    assert window.statusBar().currentMessage() == "Embedding cancelled; finished batches are kept"
