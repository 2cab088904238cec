"""The wait mark (``.want``) a computation makes while it waits for another process's
lock is gone once it leaves without the lock, unless someone else still waits on it.

The race: the holder removes the ``.want`` file as it lets go of its lock; a process that
asks just then makes the file anew, finds the lock still held and is cancelled (or its
requesters leave) before it is free. Nobody removed that file: it stayed beside the
cache. Here the other process is this test holding the lock file (a lock on a handle of
its own excludes like another process's), its own ``.want`` already removed."""

from __future__ import annotations

import fcntl
import os
import threading

import pytest

from labeldesk.core import single_flight
from labeldesk.core.errors import Cancelled
from labeldesk.core.filelock import FileLock
from labeldesk.core.progress import CancelToken

pytestmark = pytest.mark.skipif(os.name != "posix", reason="wait marks are POSIX only")


def never_computed(stop_check) -> str:
    raise AssertionError("computed without the lock it waited for")


def leave_while_held(tmp_path, key: str) -> None:
    """Ask for ``key`` while the test holds its lock file, then cancel the request; returns
    once the computation has let go of everything."""
    token = CancelToken()
    asked = threading.Event()
    outcome: list[BaseException] = []

    def ask() -> None:
        asked.set()
        try:
            single_flight.shared(
                key, never_computed, cancel=token, lock_file=tmp_path / ".result.lock"
            )
        except BaseException as exc:  # (raised in the test below)
            outcome.append(exc)

    thread = threading.Thread(target=ask, daemon=True)
    thread.start()
    asked.wait(10)
    want = tmp_path / ".result.want"
    while not want.exists():  # its wait mark made: it waits for the lock
        threading.Event().wait(0.01)
    token.cancel()
    thread.join(10)
    while single_flight.in_flight(key):
        threading.Event().wait(0.01)
    while any(t.name.startswith("single-flight-") for t in threading.enumerate()):
        threading.Event().wait(0.01)
    assert len(outcome) == 1 and isinstance(outcome[0], Cancelled)


def test_a_request_that_leaves_without_the_lock_leaves_no_wait_mark(tmp_path):
    holder = FileLock(tmp_path / ".result.lock").acquire()
    try:
        leave_while_held(tmp_path, "left-alone")
        assert not (tmp_path / ".result.want").exists()  # before: it stayed
    finally:
        holder.release()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".result.lock"]  # the holder's


def test_a_wait_mark_another_process_still_holds_stays(tmp_path):
    holder = FileLock(tmp_path / ".result.lock").acquire()
    want = tmp_path / ".result.want"
    other = os.open(want, os.O_RDWR | os.O_CREAT, 0o644)  # a third process waiting too
    try:
        fcntl.flock(other, fcntl.LOCK_SH)
        leave_while_held(tmp_path, "still-awaited")
        assert want.exists()
        assert os.path.samestat(os.fstat(other), os.stat(want))  # its very file
    finally:
        os.close(other)
        holder.release()
