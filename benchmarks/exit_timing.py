"""How long a command takes to end after its last line: what bench_embed_exit.py and
bench_ray_exit.py measure (a helper module, not a benchmark).

From the command's last line (its summary) to the end of its process: wall time, and
CPU (the process's own, read from /proc as the last line arrives, and at its end from
``os.wait4``).
"""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def cpu_of(pid: int) -> float:
    """A running process's CPU so far (user + system), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def after_last_line(
    cmd: Sequence[str],
    cwd: Path,
    env: dict[str, str] | None = None,
    seen: Callable[[str], None] = lambda line: None,
) -> tuple[float, float, str]:
    """Run ``cmd`` (stdout and stderr together; each line, stripped, to ``seen``):
    (wall s, CPU s) from its last line to its end, and that line. A command that fails
    ends the benchmark."""
    proc = subprocess.Popen(
        list(cmd), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=cwd
    )
    assert proc.stdout is not None
    last_at, last_cpu, last = time.time(), 0.0, ""
    for line in proc.stdout:
        last_at, last = time.time(), line.strip()
        seen(last)
        with contextlib.suppress(OSError):  # (ended already)
            last_cpu = cpu_of(proc.pid)
    _, status, usage = os.wait4(proc.pid, 0)
    ended = time.time()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{list(cmd)} failed: {last}")
    return ended - last_at, usage.ru_utime + usage.ru_stime - last_cpu, last


def print_medians(seen: dict[str, list[tuple[float, float]]]) -> None:
    """Each code's median wall and CPU seconds after the last line, of its rounds."""
    for name, values in seen.items():
        walls, cpus = [w for w, _ in values], [c for _, c in values]
        print(f"{name}: median {statistics.median(walls):.2f} s wall, "
              f"{statistics.median(cpus):.2f} s CPU (of {len(values)})")  # fmt: skip
