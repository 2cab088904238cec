"""Embedding in a child process, so that a GUI never waits on torch.

Importing torch and loading a network hold Python's GIL for long stretches: run in a
thread of the app, the start of an embedding job froze the GUI for ~0.4 s
(benchmarks/bench_gui.py). A spawned child has its own interpreter; it opens the project
itself (SQLite in WAL mode takes the second connection), sends progress back through a
queue and stops after its current batch when asked, so finished batches are kept exactly
as with :func:`labeldesk.ml.embed.embed_project`, which it runs.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
from pathlib import Path
from typing import Any

from labeldesk.core.errors import LabelDeskError
from labeldesk.core.progress import CancelToken, Progress, ProgressCallback, no_progress

from .backbones import DEFAULT_BACKBONE
from .embed import EmbedReport

POLL_S = 0.05
CHILD_NICENESS = 10
STOP_WAIT_S = 60.0  # a batch on a slow CPU takes seconds; after this the child is killed


def embed_in_child(
    project_path: Path | str,
    model: str = DEFAULT_BACKBONE,
    *,
    device: str = "auto",
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> EmbedReport:
    """:func:`~labeldesk.ml.embed.embed_project` on the project at ``project_path``, run
    in a spawned child process; progress and the report come back, a cancel is passed on."""
    cancel = cancel or CancelToken()
    context = multiprocessing.get_context("spawn")  # fork would copy Qt and threads
    messages: Any = context.Queue()
    stop = context.Event()
    child = context.Process(
        target=_run_child,
        args=(str(project_path), model, device, messages, stop),
        name="labeldesk-embed",
        daemon=True,  # never outlives the app
    )
    child.start()
    try:
        while True:
            if cancel.cancelled:
                stop.set()
            try:
                kind, payload = messages.get(timeout=POLL_S)
            except queue.Empty:
                if child.is_alive():
                    continue
                try:  # it may have exited just after sending its last message
                    kind, payload = messages.get(timeout=1.0)
                except queue.Empty:
                    raise LabelDeskError(
                        f"embedding stopped unexpectedly (exit code {child.exitcode}); "
                        "finished batches are kept, run it again to continue"
                    ) from None
            if kind == "progress":
                progress(Progress(*payload))
            elif kind == "done":
                report: EmbedReport = payload
                return report
            else:
                raise LabelDeskError(str(payload))
    finally:
        stop.set()
        child.join(STOP_WAIT_S)
        if child.is_alive():
            child.kill()
            child.join()
        messages.close()


def _run_child(path: str, model: str, device: str, messages: Any, stop: Any) -> None:
    from labeldesk.core.project import open_project

    from .embed import embed_project

    if hasattr(os, "nice"):  # background work: the app's GUI thread gets a core first
        os.nice(CHILD_NICENESS)
    token = CancelToken()

    def watch() -> None:
        stop.wait()
        token.cancel()

    threading.Thread(target=watch, daemon=True).start()

    def report(update: Progress) -> None:
        messages.put(("progress", (update.done, update.total, update.message)))

    try:
        import torch

        torch.set_num_threads(os.cpu_count() or 1)  # the app's thread cap is not for us
        with open_project(path) as project:
            result = embed_project(project, model, device=device, progress=report, cancel=token)
        messages.put(("done", result))
    except LabelDeskError as exc:
        messages.put(("error", str(exc)))
    except Exception as exc:  # reported as one line; the traceback stays in the child
        messages.put(("error", f"embedding failed: {type(exc).__name__}: {exc}"))
