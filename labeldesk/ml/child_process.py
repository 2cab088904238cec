"""The child's side of :func:`labeldesk.ml.child_jobs.run_in_child`, and the start
protocol both sides share (see that module for why a job runs in a child).

The stop request is one byte of shared memory, read without a lock. A
``multiprocessing.Event`` will not do: its ``set()`` waits for every process that is
waiting on it to wake, so once the child had exited with a watcher thread parked in
``Event.wait()``, the parent's ``set()`` blocked forever (seen as a hung test in CI).

A Cancel while the child is still starting (importing torch and the job's module takes
seconds, 19-25 s on a loaded 2-core machine) ends it at once: until the child has
marked itself started (:func:`begin`, under the phase's lock), it has written nothing
(not even a message on the queue), so the parent may kill it (:func:`abandon`). The
child marks itself started before it opens the project (an open may upgrade the
database); from then on a Cancel is the cooperative stop at the job's cancel checks,
except during the job's first :meth:`~labeldesk.core.progress.CancelToken.may_be_killed`
stretch (the model load of embedding, fine-tuning, cross-fit and a drift check, before
their first write: 5 s at load 11, which a Cancel waited out): the child marks it under
the same lock, and a Cancel then kills it as well.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from labeldesk.core.errors import Cancelled, LabelDeskError
from labeldesk.core.progress import CancelToken, Progress

from .child_errors import kind_of, unexpected, with_notes

LOCK_WAIT_S = 1.0  # (held for a moment; a child that died holding it: stop cooperatively)
# The child's phase, a shared byte changed only under its lock; QUIET: in the job's
# stretch that writes nothing (see StopFlagToken.may_be_killed)
STARTING, STARTED, ABANDONED, QUIET = 0, 1, 2, 3
# (once the project is open: an open may have upgraded its database, nothing else)
NOT_BEGUN = "cancelled before the job began"


def abandon(phase: Any) -> int | None:
    """In the parent: the child's phase (STARTING or QUIET) where it had written nothing
    of its work, which it then never will (it may be killed: nothing of it needs
    keeping); None where it is at work (it stops at its next check)."""
    lock = phase.get_lock()
    if not lock.acquire(timeout=LOCK_WAIT_S):
        return None
    try:
        was = int(phase.value)
        if was not in (STARTING, QUIET):
            return None
        phase.value = ABANDONED
        return was
    finally:
        lock.release()


def begin(phase: Any) -> bool:
    """In the child, before its first write: whether it may go on (the parent has not
    given it up); from now on the parent lets it stop at the job's cancel checks."""
    with phase.get_lock():
        if phase.value == ABANDONED:
            return False
        phase.value = STARTED
        return True


def run_child(
    target: str,
    path: str,
    kwargs: dict[str, Any],
    messages: Any,
    stop: Any,
    phase: Any,
    all_cores: bool,
    preload: tuple[str, ...],
    niceness: int,
) -> None:
    """The spawned child's work: ``target`` on the project at ``path``, its progress,
    result or error put on ``messages`` (see :func:`~labeldesk.ml.child_jobs.run_in_child`)."""
    from labeldesk.core.parent_watch import exit_with_parent
    from labeldesk.core.project import open_project

    exit_with_parent()  # the app killed outright: this child ends too
    _may_have_children()
    if niceness and hasattr(os, "nice"):  # background work: the GUI thread gets a core first
        os.nice(niceness)
    token = StopFlagToken(stop, phase)

    def report(update: Progress) -> None:
        messages.put(("progress", (update.done, update.total, update.message, update.data)))

    try:
        if all_cores:  # the app's thread cap is not for a network run at low priority
            import torch

            torch.set_num_threads(os.cpu_count() or 1)
        for heavy in preload:  # (writes nothing: a Cancel meanwhile still kills)
            importlib.import_module(heavy)
        module, name = target.split(":")
        fn = getattr(importlib.import_module(module), name)
        if not begin(phase):  # cancelled while starting: the parent is ending this process
            return
        with open_project(path) as project:
            if token.cancelled:  # (raised here: the job may load a model before its check)
                raise Cancelled(NOT_BEGUN)
            result = fn(project, progress=report, cancel=token, **kwargs)
        messages.put(("done", result))
    except LabelDeskError as exc:  # with its notes (what was kept, the cluster's notices)
        messages.put(("error", (kind_of(exc), with_notes(str(exc), exc))))
    except Exception as exc:  # reported as one line; the traceback stays in the child
        messages.put(("error", unexpected(target, exc)))


def _may_have_children() -> None:
    """Let this daemonic child start worker processes (embedding's and fine-tuning's
    decoders) as the command line does. Python forbids children of a daemonic process
    so that none is orphaned when it is terminated; each of those workers watches its
    parent and exits with it (``exit_with_parent`` as the pool's initializer), and the
    daemon flag keeps its only other use: the app's exit ends this child. Without
    workers the app decoded on two threads, slower than `labeldesk embed` on a GPU."""
    multiprocessing.current_process()._config["daemon"] = False  # type: ignore[attr-defined]


class StopFlagToken(CancelToken):
    """The child's cancel token: cancelled once the parent sets the shared stop byte."""

    def __init__(self, stop: Any, phase: Any):
        super().__init__()
        self._stop = stop
        self._phase = phase
        self._first_stretch = True

    @contextmanager
    def may_be_killed(self) -> Iterator[None]:
        """The job's first such stretch only: it comes before the job's first write
        (embedding's, fine-tuning's model load). A later one (the re-embedding after a
        fine-tune loads its model) follows writes, and the Cancel that came waits for the
        job's next check, which says what was kept."""
        if not self._first_stretch:
            yield
            return
        self._first_stretch = False
        with self._phase.get_lock():
            self._phase.value = QUIET
        try:
            yield
        finally:
            with self._phase.get_lock():
                abandoned = self._phase.value == ABANDONED
                if not abandoned:
                    self._phase.value = STARTED
            if abandoned:  # the parent is killing this process: go no further
                os._exit(1)

    @property
    def cancelled(self) -> bool:
        if self._stop.value:
            self.cancel()
        return super().cancelled
