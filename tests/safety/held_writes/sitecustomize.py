"""Widens a race for tests/safety/test_killed_workers.py: loaded by every Python process
started with this folder on PYTHONPATH (Python imports ``sitecustomize`` at start-up), so
it reaches a command's spawned decoding workers, which a test cannot patch otherwise.

With ``LABELDESK_TEST_HOLD_WRITES=FOLDER`` set, a worker process about to write a
thumbnail makes ``FOLDER/waiting-PID`` and waits (up to a minute) until ``FOLDER/release``
exists, and its parent watch looks only every 30 s: a worker on a loaded machine, still
busy with an image when its command was killed and slow to notice. The process that runs
the command itself (no parent pool) is not held.
"""

from __future__ import annotations

import os

HOLD = os.environ.get("LABELDESK_TEST_HOLD_WRITES")

if HOLD:
    import multiprocessing
    import time
    from pathlib import Path

    from labeldesk.core import imageio, parent_watch

    real_write, real_watch = imageio._write_thumbnail, parent_watch.exit_with_parent

    def held_write(*args, **kwargs):
        if multiprocessing.parent_process() is not None:  # a worker
            Path(HOLD, f"waiting-{os.getpid()}").touch()
            end = time.monotonic() + 60
            while not Path(HOLD, "release").exists() and time.monotonic() < end:
                time.sleep(0.01)
        return real_write(*args, **kwargs)

    def slow_watch(interval: float = 30.0) -> None:
        real_watch(30.0)

    imageio._write_thumbnail = held_write
    parent_watch.exit_with_parent = slow_watch
