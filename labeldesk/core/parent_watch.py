"""Worker processes that end with the process that started them.

A decode or probe worker, or a job's child, is stopped by its parent when the parent ends
normally, is cancelled or fails. A parent killed outright (``kill -9``, the OOM killer, a
terminal closed on it) runs no cleanup: its workers lived on for good, idle, holding the
dead command's stdout open (so ``labeldesk embed … | jq`` never finished). Each worker
now watches its parent from a daemon thread and exits once the parent is gone.

The watch looks once a second, and later on a loaded machine: a decoding worker of a
killed ``labeldesk new`` went on writing thumbnails into the killed run's staging folder
meanwhile, after the next run had removed that folder, and so made it again, without
the marker that lets a later run remove it. So a worker also asks just before it writes
a file (:func:`stop_if_orphaned`), and writes nothing once its parent has ended.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time

INTERVAL_S = 1.0
_watched: int | None = None  # the parent's pid, in a worker that watches it


def exit_with_parent(interval: float = INTERVAL_S) -> None:
    """In a worker process (a pool's ``initializer``, or first thing in a child's
    target): exit at once, with no cleanup, when the parent process is gone."""
    global _watched
    parent = multiprocessing.parent_process()
    parent_pid = parent.pid if parent is not None and parent.pid else os.getppid()
    _watched = parent_pid
    thread = threading.Thread(
        target=_watch, args=(parent_pid, interval), name="labeldesk-parent-watch", daemon=True
    )
    thread.start()


def pool_worker() -> None:
    """A worker pool's ``initializer``: :func:`exit_with_parent`, and Ctrl-C left to the
    parent (which stops its pools): a terminal's SIGINT reaches the whole process group,
    and each idle worker printed a traceback of its own."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    exit_with_parent()


def stop_if_orphaned() -> None:
    """In a worker started with :func:`exit_with_parent` (or :func:`pool_worker`): exit
    at once, with no cleanup, if its parent has ended; call it just before writing a file
    (what a dead command would have kept, the next run may be removing). Elsewhere,
    nothing."""
    if _watched is not None and parent_gone(_watched):
        os._exit(1)


def _watch(parent_pid: int, interval: float) -> None:
    while True:
        time.sleep(interval)
        if parent_gone(parent_pid):
            os._exit(1)  # the parent holds everything worth saving; nothing here is


def parent_gone(parent_pid: int) -> bool:
    """Whether the process that started this one has ended: on POSIX an orphan is
    re-parented (its parent id changes); elsewhere, ask whether the process lives."""
    if os.getppid() != parent_pid:
        return True
    if os.name == "nt":
        from .staging import process_alive

        return not process_alive(parent_pid)
    return False
