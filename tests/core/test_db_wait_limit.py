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


def test_the_limit_is_one_wait_in_all_not_one_for_each_lock(project, monkeypatch):
    """Waiting for this process's write, then for another process's, each up to the
    limit, held the window twice as long as it says."""
    import time

    db = project.db
    held, release = threading.Event(), threading.Event()

    def short_write() -> None:
        with db.write():
            held.set()
            release.wait(10)

    other = threading.Thread(target=short_write)
    other.start()
    assert held.wait(10)
    threading.Timer(0.5, release.set).start()  # this process's write ends after 0.5 s
    asked: list[float | None] = []
    real_begin = db._begin
    monkeypatch.setattr(db, "_begin", lambda limit: (asked.append(limit), real_begin(limit))[1])
    db.limit_waits(1.0)
    started = time.monotonic()
    try:
        project.set_labels({PATH: "dog"})
    finally:
        db.limit_waits(None)
        other.join()
    waited = time.monotonic() - started
    assert len(asked) == 1 and asked[0] is not None
    assert asked[0] <= 1.0 - waited + 0.05  # what was left, not the whole second again
    assert label_of(project, PATH) == "dog"
