"""Ends a local test cluster when the test process that started it is gone.

Run by :func:`local_ray.start_local_ray` as ``python watchdog.py PID TEMP_DIR PGID...``:
if pytest is killed (a timeout, Ctrl-C twice, a crash) its fixtures never run, and this
is what still stops the Ray processes it started, by their ids.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from local_ray import kill_cluster_processes


def main() -> None:
    parent, temp_dir, groups = int(sys.argv[1]), sys.argv[2], [int(g) for g in sys.argv[3:]]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # a normal stop: nothing to do
    while True:
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            kill_cluster_processes(groups, temp_dir)
            return
        time.sleep(1.0)


if __name__ == "__main__":
    main()
