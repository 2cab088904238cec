"""A job that ends after the widget that started it was deleted: the job function waits
for a gate, the owner is deleted (the job's last signals then arrive after it), the gate
opens and the job fails or is cancelled. What its handlers raised is returned.

:func:`close_window_while_job_waits`: the same for a job that closing the main window
cancels and waits for."""

from __future__ import annotations

import threading

import shiboken6
from PySide6.QtCore import QObject


def fail_when_let(gate: threading.Event):
    def fail(*args, **kwargs):
        gate.wait(60)
        raise ValueError("the job's own failure")

    return fail


def cancelled_when_let(gate: threading.Event):
    def stop(*args, cancel, **kwargs):
        gate.wait(60)
        cancel.raise_if_cancelled()
        raise AssertionError("the job was not cancelled")

    return stop


def end_after_owner_deleted(
    qtbot, owner: QObject, job, gate: threading.Event, end: str = "failed"
) -> list[str]:
    """Delete ``owner``, let ``job`` end (``end``: how) and return the exceptions its
    handlers raised, as text."""
    ends: list[str] = []
    job.failed.connect(lambda _exc: ends.append("failed"))
    job.cancelled.connect(lambda: ends.append("cancelled"))
    job.finished.connect(lambda _result: ends.append("finished"))
    shiboken6.delete(owner)
    with qtbot.captureExceptions() as exceptions:
        gate.set()
        qtbot.waitUntil(lambda: not job.running, timeout=30_000)
        qtbot.wait(100)
    assert ends == [end]
    return [str(e[1]) for e in exceptions]


def close_window_while_job_waits(qtbot, win: QObject, job, gate: threading.Event) -> list[str]:
    """Close ``win`` while ``job`` waits for ``gate`` (set half a second into closing's
    wait for the job), delete the window once the job has run (its last signals still
    queued) and return how the job ended; none of its handlers may raise."""
    ends: list[str] = []
    job.cancelled.connect(lambda: ends.append("cancelled"))
    job.finished.connect(lambda _result: ends.append("finished"))
    threading.Timer(0.5, gate.set).start()  # while closing waits for the job
    win.close()
    assert job.executed.is_set()  # it ended; its signals are queued
    shiboken6.delete(win)
    with qtbot.captureExceptions() as exceptions:
        qtbot.waitUntil(lambda: not job.running, timeout=30_000)
        qtbot.wait(200)
    assert [str(e[1]) for e in exceptions] == []
    return ends
