"""A pool of image decoders: worker processes, or threads where processes cannot be had.

Embedding (:mod:`labeldesk.ml.embed_decode`) and fine-tuning on a GPU
(:mod:`labeldesk.ml.finetune_images`) decode in spawned worker processes, which hold no
GIL the model's thread needs. Spawning needs a ``__main__`` that can be imported again
(a script calling LabelDesk without ``if __name__ == "__main__":`` cannot be); when the
workers fail to start, or one dies (the OOM killer), the pool carries on with threads and
each decode that was lost is run again there: a decode only reads files, so running it
twice changes nothing. (A decode that itself crashes its worker, a decoder fault, would
crash the process on a thread too; none is known.)
"""

from __future__ import annotations

import logging
import multiprocessing
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Generic, TypeVar

from labeldesk.core.parent_watch import pool_worker
from labeldesk.core.unguarded_main import leave_if_importing_main

log = logging.getLogger(__name__)
T = TypeVar("T")
WINDOWS_MAX_WORKERS = 61  # ProcessPoolExecutor's limit there (WaitForMultipleObjects)


class DecodePool:
    """``workers`` decoders: spawned processes when ``processes``, else threads (always
    in a daemonic process, which Python does not let start children)."""

    def __init__(self, workers: int, *, processes: bool) -> None:
        if sys.platform == "win32":
            workers = min(workers, WINDOWS_MAX_WORKERS)
        self.width = max(1, workers)
        self.processes = processes and not multiprocessing.current_process().daemon
        self._executor: Executor = self._processes() if self.processes else self._threads()
        self._swap = threading.Lock()

    def submit(self, fn: Callable[..., T], *args: Any) -> Decode[T]:
        """Start ``fn(*args)``; its :meth:`Decode.result` survives a broken process pool."""
        return Decode(self, fn, args)

    def shutdown(self) -> None:
        """Stop: queued decodes are dropped, those running finish first."""
        self._executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> DecodePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()

    def _processes(self) -> Executor:
        leave_if_importing_main()  # this is a worker re-running an unguarded script
        # spawn: fork would copy the model's threads (and the app's Qt) into the workers
        context = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(self.width, mp_context=context, initializer=pool_worker)

    def _threads(self) -> Executor:
        return ThreadPoolExecutor(self.width, thread_name_prefix="decode")

    def _start(self, fn: Callable[..., T], args: tuple[Any, ...]) -> tuple[Executor, Future[T]]:
        executor = self._executor
        try:
            return executor, executor.submit(fn, *args)
        except (BrokenProcessPool, OSError) as exc:  # OSError: a worker could not start
            threads = self._fall_back(executor, exc)
            return threads, threads.submit(fn, *args)

    def _fall_back(self, broken: Executor, why: BaseException) -> Executor:
        """Threads from now on (once, however many decodes found the pool broken)."""
        with self._swap:
            if self._executor is broken and self.processes:
                log.warning("decode worker processes failed (%s); decoding on threads", why)
                broken.shutdown(wait=False, cancel_futures=True)
                self._executor, self.processes = self._threads(), False
            return self._executor


class Decode(Generic[T]):
    """One decode submitted to a :class:`DecodePool`."""

    def __init__(self, pool: DecodePool, fn: Callable[..., T], args: tuple[Any, ...]) -> None:
        self._pool, self._fn, self._args = pool, fn, args
        self._executor, self._future = pool._start(fn, args)

    def result(self) -> T:
        try:
            return self._future.result()
        except BrokenProcessPool as exc:
            self._pool._fall_back(self._executor, exc)
            self._executor, self._future = self._pool._start(self._fn, self._args)
            return self._future.result()

    def cancel(self) -> bool:
        return self._future.cancel()
