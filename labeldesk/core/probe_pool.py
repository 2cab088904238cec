"""Decoding many images in parallel worker processes, for the scanner.

Work is sent in chunks, a few per worker ahead, so a cancel stops within a few chunks and
memory stays flat. If the workers cannot start (a frozen app, ``__main__`` that cannot be
re-imported) or die, the rest is decoded in this process.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace

from .imageio import ProbeResult, probe_file
from .parent_watch import pool_worker
from .progress import CancelToken
from .unguarded_main import leave_if_importing_main

log = logging.getLogger(__name__)

CHUNK = 32  # files per worker task
IN_PROCESS_BELOW = 48  # small scans are not worth starting worker processes


def probe_all(
    root: str, thumbs: str, paths: Sequence[str], workers: int | None, cancel: CancelToken
) -> Iterator[ProbeResult]:
    """Probe ``paths`` (relative to ``root``), in worker processes when there are many;
    results come back in completion order, with relative paths."""
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if workers <= 1 or len(paths) < IN_PROCESS_BELOW:
        for rel in paths:
            if cancel.cancelled:
                return
            yield _relative(probe_file(os.path.join(root, rel), thumbs), rel)
        return
    leave_if_importing_main()  # this is a worker re-running an unguarded script
    chunks = [list(paths[i : i + CHUNK]) for i in range(0, len(paths), CHUNK)]
    context = multiprocessing.get_context("spawn")
    in_flight: dict[Future, list[str]] = {}
    next_chunk = 0
    try:
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=pool_worker
        ) as pool:
            while next_chunk < len(chunks) or in_flight:
                while (
                    next_chunk < len(chunks)
                    and len(in_flight) < workers * 3
                    and not cancel.cancelled
                ):
                    future = pool.submit(_probe_chunk, root, thumbs, chunks[next_chunk])
                    in_flight[future] = chunks[next_chunk]
                    next_chunk += 1
                if cancel.cancelled:
                    next_chunk = len(chunks)
                if not in_flight:
                    break
                finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in finished:
                    results = future.result()
                    del in_flight[future]
                    yield from results
    except BrokenProcessPool:
        # Workers could not start (e.g. __main__ cannot be re-imported) or died: finish here.
        log.warning("decoding workers failed; continuing in this process")
        rest = [rel for chunk in [*in_flight.values(), *chunks[next_chunk:]] for rel in chunk]
        yield from probe_all(root, thumbs, rest, 1, cancel)


def _probe_chunk(root: str, thumbs: str, rels: list[str]) -> list[ProbeResult]:
    return [_relative(probe_file(os.path.join(root, rel), thumbs), rel) for rel in rels]


def _relative(result: ProbeResult, rel: str) -> ProbeResult:
    return replace(result, path=rel)
