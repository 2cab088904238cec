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

A Cancel while the child is still starting (importing torch and the job's module) kills
it, and the call raises :class:`Cancelled`: it has written nothing yet. The stop byte and
this start protocol are in :mod:`labeldesk.ml.child_process`, the child's side; its
errors come back as the kind it raised (:mod:`labeldesk.ml.child_errors`).
"""

from __future__ import annotations

import multiprocessing
import queue
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labeldesk.core.errors import Cancelled, LabelDeskError
from labeldesk.core.progress import CancelToken, Progress, ProgressCallback, no_progress

from .child_errors import error_from_child
from .child_process import NOT_BEGUN, STARTING, abandon, run_child

if TYPE_CHECKING:
    from .embed import EmbedReport
    from .finetune import FinetuneParams
    from .models import ModelVersion

POLL_S = 0.05
CHILD_NICENESS = 10  # read by the parent at each start (the test suite runs children at 0)
STOP_WAIT_S = 60.0  # a batch or epoch on a slow CPU takes a while; then it is killed
NOT_STARTED = "cancelled before the job began; nothing was changed"
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
    phase = context.Value("b", STARTING)  # with its lock: see child_process.abandon
    child = context.Process(
        target=run_child,
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
                was = abandon(phase)
                if was is not None:  # starting, or loading its model: it has written nothing
                    child.kill()
                    child.join()
                    raise Cancelled(NOT_STARTED if was == STARTING else NOT_BEGUN)
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
                raise error_from_child(*payload)
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
