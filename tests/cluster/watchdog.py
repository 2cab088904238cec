"""Ends a local test cluster when the test process that started it is gone.

Run by :func:`local_ray.start_local_ray` as ``python watchdog.py PID``, before the
cluster's first node starts, with a pipe from that process on its stdin: the cluster's
folder is told as a line ``dir TEMP_DIR`` (not an argument: the watchdog does not name
it, and stopping the cluster spares it), each node started as ``node PGID``, and
``done`` once the test process has stopped the cluster itself.

If pytest is killed (SIGTERM, a timeout, Ctrl-C twice, a crash) its fixtures never run,
and this is what still stops the Ray processes it started: at once when the pipe closes
without ``done`` (the process is gone), or within a second when the process is gone or
a zombie while the pipe stays open (a child forked from it holds a copy). Only this
cluster's processes are stopped: its nodes' process groups, their descendants and
processes naming TEMP_DIR (never ``ray stop``, which stops every Ray process of the
user). SIGTERM to the watchdog itself stops the cluster too.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from local_ray import kill_cluster_processes

POLL_S = 1.0


def start_time(pid: int) -> str | None:
    """The process's start time (to tell it from a later one given the same id), or
    None when it is gone or a zombie (dead, not yet reaped by its parent)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return None if fields[0] in ("Z", "X") else fields[19]


class Stop(Exception):
    """SIGTERM to the watchdog."""


def _stop(*_: object) -> None:
    raise Stop


def watch(parent: int, born: str | None, told: dict[str, list[str]]) -> bool:
    """Until the parent is gone (True) or says ``done`` (False); ``told`` gets the
    folder and the nodes it tells."""
    stdin = sys.stdin.buffer
    pending = b""
    while True:
        ready, _, _ = select.select([stdin], [], [], POLL_S)
        if ready:
            chunk = os.read(stdin.fileno(), 4096)
            if not chunk:
                return True  # the pipe closed without "done": the parent is gone
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                word, _, value = line.decode().partition(" ")
                if word == "done":
                    return False
                told.setdefault(word, []).append(value)
        if born is None or start_time(parent) != born:
            return True


def main() -> None:
    parent = int(sys.argv[1])
    told: dict[str, list[str]] = {}
    signal.signal(signal.SIGTERM, _stop)
    try:
        gone = watch(parent, start_time(parent), told)
    except Stop:
        gone = True
    if gone and told.get("dir"):  # (no folder told: nothing was started yet)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # finish the stop once begun
        temp_dir = told["dir"][0]
        kill_cluster_processes([int(g) for g in told.get("node", [])], temp_dir)
        shutil.rmtree(temp_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
