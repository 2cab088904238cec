"""Job functions that tests run in a child process through ``run_in_child``."""

from __future__ import annotations

import os
from typing import Any

from labeldesk.core.progress import CancelToken, Progress, ProgressCallback


def report_pid_and_return(
    project: Any, *, progress: ProgressCallback, cancel: CancelToken, value: Any
) -> Any:
    """Tell the parent this process's id, then return ``value`` at once."""
    progress(Progress(0, 1, str(os.getpid())))
    return value


def niceness(project: Any, *, progress: ProgressCallback, cancel: CancelToken) -> int:
    """This process's niceness."""
    return os.nice(0)


def report_data(
    project: Any, *, progress: ProgressCallback, cancel: CancelToken, data: dict[str, Any]
) -> str:
    """Report ``data`` in one progress update (it must cross the process boundary)."""
    progress(Progress(1, 2, "working", data))
    return "done"


def decode_pool_kind(project: Any, *, progress: ProgressCallback, cancel: CancelToken) -> str:
    """What a long embedding run in this process would decode with, after using it once."""
    from labeldesk.ml import embed_decode

    with embed_decode._decode_pool(embed_decode.PROCESS_POOL_MIN_BATCHES) as pool:
        worker = pool.submit(os.getpid).result()
        assert worker != os.getpid()
        return "processes" if pool.processes else "threads"


def die_in_a_worker(value: int) -> int:
    """``value``, unless run in a worker process: then the worker dies (the OOM killer)."""
    import multiprocessing

    if multiprocessing.parent_process() is not None:
        os._exit(1)
    return value


def ignores_ctrl_c() -> bool:
    import signal

    return signal.getsignal(signal.SIGINT) == signal.SIG_IGN


def cluster_job_fails(project: Any, *, progress: ProgressCallback, cancel: CancelToken, **_: Any):
    """A stand-in for a Ray job that fails after batches came back, with a worker death
    reported meanwhile: its error is noted as ``embed_on_ray``'s and ``graph_on_ray``'s
    are (:func:`labeldesk.ml.ray_notices.noted`)."""
    from itertools import count

    from labeldesk.ml.ray_notices import NodeLost, Notices, noted
    from labeldesk.ml.ray_timing import JobTiming

    notices = Notices()
    notices.take("A worker died or was killed while executing a task. Worker IP address: 10.0.0.2")
    ticks = count()
    timing = JobTiming(clock=lambda: float(next(ticks)))
    timing.job_started()
    timing.batch(16)
    with noted(notices, timing):
        raise NodeLost("node 10.0.0.3 left the Ray cluster mid-job")


def raise_error(project: Any, *, progress: ProgressCallback, cancel: CancelToken, kind: str):
    """Raise one of LabelDesk's errors by its class name (a test's stand-in for a job
    that fails with it)."""
    from labeldesk.core import errors

    if kind == "UnknownPathError":
        raise errors.UnknownPathError(["a.png", "b.png"], "scan first")
    raise getattr(errors, kind)(f"a {kind} from the child")


def predictions_with_slow_fits(
    project: Any, *, progress: ProgressCallback, cancel: CancelToken, delay: float
) -> int:
    """The project's predictions with each probe fit slowed by ``delay`` seconds; the
    first fit reported as "fitting" (the parent then asks too). How many fits it made."""
    import time

    from labeldesk.ml import probe
    from labeldesk.ml.predictions import project_predictions

    real, fits = probe._fit, []

    def fit(*args: Any, **kwargs: Any) -> Any:
        if not fits:
            progress(Progress(0, 0, "fitting"))
        fits.append(1)
        time.sleep(delay)
        return real(*args, **kwargs)

    probe._fit = fit  # type: ignore[assignment]
    project_predictions(project)
    return len(fits)


def fill_the_disk(project: Any, *, progress: ProgressCallback, cancel: CancelToken) -> None:
    """Write a cache file on a disk that fills up: Python's write raises ENOSPC with no
    file name, as it does (the cache's writer names the file)."""
    import errno

    from labeldesk.ml.cachefiles import write_atomically

    def write(tmp: Any) -> None:
        tmp.write_bytes(b"")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    folder = project.path / "embeddings"
    folder.mkdir(exist_ok=True)
    write_atomically(folder / "predictions-1.npz", write)
