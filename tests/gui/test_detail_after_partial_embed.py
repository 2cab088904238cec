"""Compute embeddings stopped part-way (cancelled): while its vectors are scored, the
detail panel's Model line of an image it embedded said "not computed yet: the model
scores images once they are embedded (Tools → Compute embeddings, Ctrl+E)", as for one
it never reached, sending people to run what had just run. It now says the image is
being scored (if the run reached it); once the scores are in, an embedded image shows
the model's view and one the run did not reach still points to Compute embeddings."""

from __future__ import annotations

import threading

import pytest
from ml.tiny_backbone import tiny_backbone

import labeldesk.ml.insights as insights
from labeldesk.gui.project_jobs import ProjectJobs
from labeldesk.ml import embed as embed_module
from labeldesk.ml.store import current_store


@pytest.fixture
def scoring_held(monkeypatch):
    """Compute embeddings runs here with the tiny model, and the scoring after the run
    waits until the event yielded is set (set at the end in any case)."""
    monkeypatch.setattr(ProjectJobs, "embed_in_process", True)
    monkeypatch.setattr(embed_module, "load_backbone", lambda _spec: tiny_backbone())
    release, calls = threading.Event(), []
    compute = insights.insights_if_embedded

    def held(*args, **kwargs):  # the first call scores the project as it opens
        calls.append(1)
        if len(calls) > 1:
            release.wait(30)
        return compute(*args, **kwargs)

    monkeypatch.setattr(insights, "insights_if_embedded", held)
    yield release
    release.set()


def _open_and_embed(qtbot, window, project):
    """The project opened and Compute embeddings run to its end: (the view, its report)."""
    assert window.open_project(project.path)
    view = window.view
    qtbot.waitUntil(lambda: view.model.rowCount() > 0 and not view.feed.busy, timeout=20000)
    job = window.compute_embeddings()
    assert job is not None
    # the window's slot on the job's end (a later one than the job's own that sets
    # running) starts the scoring the tests look at, then says the run is over
    qtbot.waitUntil(lambda: not job.running and not view.embedding, timeout=30000)
    assert job.result is not None
    return view, job.result


def _model_line(view, path: str) -> str:
    for row in range(view.model.rowCount()):
        if view.catalog.info(view.model.position(row)).path == path:
            view.grid.select_row(row)
            return view.detail.fields["Model"].text()
    raise AssertionError(f"{path} is not in the grid")


def test_a_stopped_run_says_its_images_are_being_scored_then_which_are_embedded(
    qtbot, window, project, monkeypatch, scoring_held
):
    monkeypatch.setattr(embed_module, "RUNTIME_BATCH", 4)  # 19 images: several batches
    monkeypatch.setattr(embed_module, "default_batch_size", lambda _device: 4)
    real_use = embed_module.use_store

    def cancel_once_a_batch_is_stored(*args, **kwargs):
        real_use(*args, **kwargs)
        window.embed_job.cancel()  # the person presses Cancel part-way

    monkeypatch.setattr(embed_module, "use_store", cancel_once_a_batch_is_stored)
    view, report = _open_and_embed(qtbot, window, project)
    assert report.cancelled
    frame = view.project.images()
    rows = current_store(view.project).rows_for(list(frame.hash))
    embedded = [p for p, r in zip(frame.path, rows, strict=True) if r >= 0]
    missing = [p for p, r in zip(frame.path, rows, strict=True) if r < 0]
    assert embedded and missing  # it stopped part-way

    assert view.feed.busy  # its vectors are being scored
    for path in (embedded[0], missing[0]):
        line = _model_line(view, path)
        assert line.startswith("being scored if the run embedded it"), line
        assert "Compute embeddings" not in line

    scoring_held.set()
    qtbot.waitUntil(lambda: not view.feed.busy, timeout=30000)
    line = _model_line(view, embedded[0])
    assert not line.startswith(("being scored", "not computed")), line
    line = _model_line(view, missing[0])
    assert line.startswith("not computed yet") and "Compute embeddings" in line, line


def test_a_whole_run_says_its_images_are_being_scored(qtbot, window, project, scoring_held):
    view, report = _open_and_embed(qtbot, window, project)
    assert not report.cancelled and view.feed.busy
    line = _model_line(view, "train/cat/cat0.jpg")
    assert line == "being scored: the model's view of it shows here in a moment", line
    scoring_held.set()
    qtbot.waitUntil(lambda: not view.feed.busy, timeout=30000)
    line = _model_line(view, "train/cat/cat0.jpg")
    assert not line.startswith(("being scored", "not computed")), line
