"""Long ML jobs in a child process, so that a GUI never waits on torch or numpy.

Importing torch and running a network hold Python's GIL for long stretches: run in a
thread of the app, the start of an embedding job froze the GUI for ~0.4 s, and the
model insights' numpy/pandas work stalled scrolling by up to 0.2 s at 100k images
(benchmarks/bench_gui.py). A spawned child has its own interpreter; it opens the project
itself (SQLite in WAL mode takes the second connection), runs a job function of the
usual shape ``fn(project, ..., progress=, cancel=)``, sends progress back through a
queue, and stops at the job's next cancel check when asked, so a cancelled embedding
keeps its finished batches and a cancelled fine-tuning its finished epochs, exactly as
in-process. The child runs at a lower priority; network jobs (``all_cores``) use every
core for torch.

The stop request is one byte of shared memory, read without a lock. A
``multiprocessing.Event`` will not do: its ``set()`` waits for every process that is
waiting on it to wake, so once the child had exited with a watcher thread parked in
``Event.wait()``, the parent's ``set()`` blocked forever (seen as a hung test in CI).

A Cancel while the child is still starting (importing torch and the job's module takes
seconds, 19-25 s on a loaded 2-core machine) ends it at once: until the child has
marked itself started, under a lock, it has written nothing (not even a message on the
queue), so the parent kills it and the call raises :class:`Cancelled`. The child marks
itself started before it opens the project (an open may upgrade the database); from
then on a Cancel is the cooperative stop above.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import queue
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labeldesk.core.errors import Cancelled, LabelDeskError
from labeldesk.core.progress import CancelToken, Progress, ProgressCallback, no_progress

if TYPE_CHECKING:
    from .embed import EmbedReport
    from .finetune import FinetuneParams
    from .models import ModelVersion

POLL_S = 0.05
CHILD_NICENESS = 10  # read by the parent at each start (the test suite runs children at 0)
STOP_WAIT_S = 60.0  # a batch or epoch on a slow CPU takes a while; then it is killed
LOCK_WAIT_S = 1.0  # (held for a moment; a child that died holding it: stop cooperatively)
# The child's phase, a shared byte changed only under its lock
STARTING, STARTED, ABANDONED = 0, 1, 2
NOT_STARTED = "cancelled before the job began; nothing was changed"
# (once the project is open: an open may have upgraded its database, nothing else)
NOT_BEGUN = "cancelled before the job began"
# What loading a backbone imports first (labeldesk.ml.backbones): timm, with torchvision
# and torch._dynamo, 10 s of a 28 s model load at load 15 on 2 cores
BACKBONE_IMPORTS = ("timm",)


def run_in_child(
    target: str,
    project_path: Path | str,
    *,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
    all_cores: bool = False,
    preload: tuple[str, ...] = (),
    **kwargs: Any,
) -> Any:
    """Call ``target`` ("package.module:function") as ``fn(project, progress=, cancel=,
    **kwargs)`` in a spawned child on the project at ``project_path``; return its result.

    Arguments and the result must pickle. A :class:`LabelDeskError` in the child comes
    back as the same kind (a :class:`~labeldesk.core.errors.ScanNeeded` as one), with its
    message; a child that dies raises one saying so. With ``all_cores``
    torch in the child uses every core (the app keeps one free for itself otherwise).
    ``preload``: modules the job is sure to import (timm, for a job that loads a
    backbone), imported while the child is starting, so a Cancel then still ends it at
    once instead of waiting for the job's first check after them.
    """
    cancel = cancel or CancelToken()
    context = multiprocessing.get_context("spawn")  # fork would copy Qt and threads
    messages: Any = context.Queue()
    stop = context.RawValue("b", 0)  # set to 1 to ask the child to stop
    phase = context.Value("b", STARTING)  # with its lock: see _abandon
    child = context.Process(
        target=_run_child,
        args=(
            target,
            str(project_path),
            kwargs,
            messages,
            stop,
            phase,
            all_cores,
            preload,
            CHILD_NICENESS,
        ),
        name=f"labeldesk-{target.rsplit(':', 1)[-1]}",
        daemon=True,  # never outlives the app
    )
    child.start()
    try:
        while True:
            if cancel.cancelled:
                stop.value = 1
                if _abandon(phase):  # still starting: it has written nothing
                    child.kill()
                    child.join()
                    raise Cancelled(NOT_STARTED)
            try:
                kind, payload = messages.get(timeout=POLL_S)
            except queue.Empty:
                if child.is_alive():
                    continue
                try:  # it may have exited just after sending its last message
                    kind, payload = messages.get(timeout=1.0)
                except queue.Empty:
                    raise LabelDeskError(
                        f"the background process stopped unexpectedly (exit code "
                        f"{child.exitcode}); finished work is kept, run it again to continue"
                    ) from None
            if kind == "progress":
                progress(Progress(*payload))
            elif kind == "done":
                return payload
            else:
                raise _error_from_child(*payload)
    finally:
        stop.value = 1
        child.join(STOP_WAIT_S)
        if child.is_alive():
            child.kill()
            child.join()
        messages.close()


def embed_in_child(
    project_path: Path | str,
    model: str | None = None,
    *,
    device: str = "auto",
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> EmbedReport:
    """:func:`~labeldesk.ml.embed.embed_project` in a child process."""
    report: EmbedReport = run_in_child(
        "labeldesk.ml.embed:embed_project",
        project_path,
        progress=progress,
        cancel=cancel,
        all_cores=True,
        preload=BACKBONE_IMPORTS,
        model=model,
        device=device,
    )
    return report


def finetune_in_child(
    project_path: Path | str,
    params: FinetuneParams,
    *,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> ModelVersion:
    """:func:`~labeldesk.ml.finetune.finetune_and_reembed` in a child process."""
    version: ModelVersion = run_in_child(
        "labeldesk.ml.finetune:finetune_and_reembed",
        project_path,
        progress=progress,
        cancel=cancel,
        all_cores=True,
        preload=BACKBONE_IMPORTS,
        params=params,
    )
    return version


def _abandon(phase: Any) -> bool:
    """In the parent: whether the child had not started its work, in which case it never
    will (it may be killed: nothing of it needs keeping)."""
    lock = phase.get_lock()
    if not lock.acquire(timeout=LOCK_WAIT_S):
        return False
    try:
        if phase.value != STARTING:
            return False
        phase.value = ABANDONED
        return True
    finally:
        lock.release()


def _begin(phase: Any) -> bool:
    """In the child, before its first write: whether it may go on (the parent has not
    given it up); from now on the parent lets it stop at the job's cancel checks."""
    with phase.get_lock():
        if phase.value == ABANDONED:
            return False
        phase.value = STARTED
        return True


def _run_child(
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
    from labeldesk.core.parent_watch import exit_with_parent
    from labeldesk.core.project import open_project

    exit_with_parent()  # the app killed outright: this child ends too
    _may_have_children()
    if niceness and hasattr(os, "nice"):  # background work: the GUI thread gets a core first
        os.nice(niceness)
    token = _StopFlagToken(stop)

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
        if not _begin(phase):  # cancelled while starting: the parent is ending this process
            return
        with open_project(path) as project:
            if token.cancelled:  # (raised here: the job may load a model before its check)
                raise Cancelled(NOT_BEGUN)
            result = fn(project, progress=report, cancel=token, **kwargs)
        messages.put(("done", result))
    except LabelDeskError as exc:  # with its notes (what was kept, the cluster's notices)
        messages.put(("error", (_kind_of(exc), _with_notes(str(exc), exc))))
    except Exception as exc:  # reported as one line; the traceback stays in the child
        messages.put(("error", _unexpected(target, exc)))


# The kinds of an expected failure (core.failures.describe) that the parent raises as
# the same class; the others come back as a plain LabelDeskError with its message
_DESCRIBED_KINDS = {
    "DiskFull": "labeldesk.core.errors:DiskFull",
    "DatabaseDamaged": "labeldesk.core.errors:DatabaseDamaged",
}


def _unexpected(target: str, exc: Exception) -> tuple[str, str]:
    """(kind, message) for an error that is not LabelDesk's own: a full disk, a damaged
    database and the like in the words the command line uses (the app showed the
    child's raw "… failed: OSError: [Errno 28] …" for a full disk), else its text."""
    from labeldesk.core.failures import describe

    expected = describe(exc)  # (with the notes the work added)
    if expected is not None:
        return _DESCRIBED_KINDS.get(expected[1], ""), expected[0]
    return "", _with_notes(f"{target} failed: {type(exc).__name__}: {exc}", exc)


def _kind_of(exc: LabelDeskError) -> str:
    """Where the error's class lives ("labeldesk.core.errors:ScanNeeded"), so the parent
    raises the same kind: it came back as a plain LabelDeskError, and the app could not
    tell a "scan first" from any other failure to offer the scan."""
    kind = type(exc)
    return f"{kind.__module__}:{kind.__qualname__}"


def _error_from_child(kind: str, message: str) -> LabelDeskError:
    """The child's error as the kind it raised, with its message (and notes) as said
    there; a kind that is not one of LabelDesk's errors, or not found here, comes back
    as a plain :class:`LabelDeskError`. Made without calling the class's own
    ``__init__`` (some take other arguments than a message), so its extra attributes
    (``UnknownPathError.paths``) are not there: the message says what they held."""
    cls: type[LabelDeskError] = LabelDeskError
    module, _, name = kind.partition(":")
    if module.split(".")[0] == "labeldesk" and name:
        try:
            found = getattr(importlib.import_module(module), name, None)
        except ImportError:
            found = None
        if isinstance(found, type) and issubclass(found, LabelDeskError):
            cls = found
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    return error


def _with_notes(message: str, exc: BaseException) -> str:
    """The error's message and the notes the work added on the way up, as the command
    line says them (they were dropped here: a cluster job's notices, what it kept)."""
    return "; ".join([message, *(str(n) for n in getattr(exc, "__notes__", None) or [])])


def _may_have_children() -> None:
    """Let this daemonic child start worker processes (embedding's and fine-tuning's
    decoders) as the command line does. Python forbids children of a daemonic process
    so that none is orphaned when it is terminated; each of those workers watches its
    parent and exits with it (``exit_with_parent`` as the pool's initializer), and the
    daemon flag keeps its only other use: the app's exit ends this child. Without
    workers the app decoded on two threads, slower than `labeldesk embed` on a GPU."""
    multiprocessing.current_process()._config["daemon"] = False  # type: ignore[attr-defined]


class _StopFlagToken(CancelToken):
    """The child's cancel token: cancelled once the parent sets the shared stop byte."""

    def __init__(self, stop: Any):
        super().__init__()
        self._stop = stop

    @property
    def cancelled(self) -> bool:
        if self._stop.value:
            self.cancel()
        return super().cancelled
