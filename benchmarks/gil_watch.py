"""The GIL holds while a block runs: what bench_gil_holds.py and bench_drift_scale.py
sample (a helper module, not a benchmark).

A watcher thread wakes every ``every_s``; a wake-up later than ``over_s`` is a hold: the
main thread kept the GIL that long (in its own work or one long C call), or, on a busy
machine, the watcher waited for a CPU (compare codes in the same run). Each hold is
kept with where the main thread was when the watcher got the GIL back (at, or just
after, the call that held it).
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def gil_holds(every_s: float, over_s: float, depth: int) -> Iterator[list[tuple[float, str]]]:
    """While the block runs, the holds over ``over_s`` seconds, as they come: (seconds,
    the main thread's last ``depth`` LabelDesk frames, innermost first, " < " between)."""
    main_id = threading.main_thread().ident
    holds: list[tuple[float, str]] = []
    done = threading.Event()

    def watch() -> None:
        last = time.perf_counter()
        while not done.is_set():
            time.sleep(every_s)
            now = time.perf_counter()
            if now - last > over_s:
                frame = sys._current_frames().get(main_id)  # type: ignore[arg-type]
                stack = [
                    f"{Path(f.filename).name}:{f.lineno} {f.name}"
                    for f in (traceback.extract_stack(frame) if frame is not None else [])
                    if "labeldesk" in f.filename
                ][-depth:]
                holds.append((now - last, " < ".join(reversed(stack))))
            last = now

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield holds
    finally:
        done.set()
        watcher.join()
