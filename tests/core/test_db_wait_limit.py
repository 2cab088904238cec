"""A thread given a wait limit (the GUI thread) does not wait out another write: after
the limit its write raises ProjectBusyError and writes nothing, whether the other write
is this process's (an import job: the key had waited for the whole import, the window
frozen) or another process's (``labeldesk import``: up to the 60 s busy timeout)."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from labeldesk.core.errors import ProjectBusyError

PATH = "_unlabeled/u0.png"


def label_of(project, path: str) -> str | None:
    return project.image_states([project.ids_for([path])[path]])[0].label


def test_a_limited_write_gives_up_on_a_write_of_this_process(project):
    held, release = threading.Event(), threading.Event()

    def long_write() -> None:  # an import job's one transaction
        with project.db.write():
            held.set()
            release.wait(10)

    other = threading.Thread(target=long_write)
    other.start()
    try:
        assert held.wait(10)
        project.db.limit_waits(0.05)
        with pytest.raises(ProjectBusyError, match="Nothing was saved: the project database is"):
            project.set_labels({PATH: "dog"})
        assert label_of(project, PATH) is None
    finally:
        release.set()
        other.join()
    project.set_labels({PATH: "dog"})  # once the other write is done, it works
    assert label_of(project, PATH) == "dog"
    project.db.limit_waits(None)


def test_a_limited_write_gives_up_on_another_process_and_keeps_the_busy_timeout(project):
    other = sqlite3.connect(project.db.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # `labeldesk import` in a terminal
    project.db.limit_waits(0.05)
    try:
        with pytest.raises(ProjectBusyError, match="labeldesk command"):
            project.set_labels({PATH: "dog"})
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert label_of(project, PATH) is None
    assert project.db.conn.execute("PRAGMA busy_timeout").fetchone()[0] == 60000
    project.set_labels({PATH: "dog"})
    assert label_of(project, PATH) == "dog"
    project.db.limit_waits(None)


def test_other_threads_keep_waiting(project):
    """Only the limited thread gives up: a job's write waits for the other write."""
    project.db.limit_waits(0.01)  # this (the "GUI") thread
    results: list[object] = []
    with project.db.write():  # this thread writes; a job's write waits for it
        job = threading.Thread(target=lambda: results.append(project.set_labels({PATH: "cat"})))
        job.start()
        job.join(0.3)
        assert job.is_alive()  # waiting, not given up
    job.join(10)
    assert len(results) == 1 and label_of(project, PATH) == "cat"
    project.db.limit_waits(None)
