"""Model work another process does while the project is open (`labeldesk embed` or
`labeldesk train` in a terminal) reaches the open window, as the end of one of its own
jobs does: the flags are scored from the new vectors, and the Training page lists the new
version. The window noticed only other processes' labels, classes and scans, so it went
on showing "no embeddings yet" or the old scores until the project was reopened."""

from __future__ import annotations

import numpy as np
from ml.fake_embeddings import store_vectors

from labeldesk.core.project import open_project
from labeldesk.gui.session import ProjectSession


def test_vectors_another_process_embeds_are_scored(qtbot, view, project):
    view.feed._timer.setInterval(50)  # (the pause after the last change)
    qtbot.waitUntil(lambda: view.feed.job is not None and not view.feed.job.running)
    assert view.feed.latest is None  # nothing embedded yet
    rows = list(np.random.default_rng(0).normal(size=(len(project.images()), 8)))
    other = open_project(project.path)  # a terminal's `embed`
    try:
        store_vectors(other, rows, "1")
    finally:
        other.close()
    qtbot.waitUntil(lambda: view.feed.latest is not None, timeout=10000)


def test_a_version_another_process_trains_is_listed(qtbot, window, clustered_clean):
    from labeldesk.ml.model_choice import train_and_choose
    from labeldesk.ml.train import HeadParams

    path = clustered_clean.path
    clustered_clean.close()
    assert window.open_project(path)
    window.pages.show_training()
    panel = window.pages.training
    assert panel.versions == []
    other = open_project(path)
    try:
        version, _ = train_and_choose(other, HeadParams(epochs=2))
    finally:
        other.close()
    qtbot.waitUntil(lambda: [v.id for v in panel.versions] == [version.id], timeout=10000)


def test_the_windows_own_jobs_are_not_told_twice(qtbot, clustered_clean):
    """While this window's exclusive job (its own embedding, training) runs, what it writes
    is not news: its end says so (busyChanged); nor after it ends."""
    session = ProjectSession(clustered_clean)
    heard: list[int] = []
    session.modelsChanged.connect(lambda: heard.append(1))
    try:
        session.exclusive = type("Running", (), {"running": True})()  # a job of its own
        rows = list(np.random.default_rng(1).normal(size=(len(clustered_clean.images()), 8)))
        store_vectors(clustered_clean, rows, "2")
        session.check_outside_writes()
        session.exclusive = None
        session._exclusive_ended()
        session.check_outside_writes()
        assert heard == []
        store_vectors(clustered_clean, rows, "3")  # another process's, once nothing runs here
        session.check_outside_writes()
        assert heard == [1]
    finally:
        session.detach()
