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
