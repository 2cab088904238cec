"""Measure a command's own peak memory, CPU time and bytes read: it is started by a small
launcher (this file, run as ``python -I -S own_peak.py``: no site packages, no numpy),
not by the benchmark itself.

Why: Linux carries the memory a process had when it called exec into the new program's
high-water mark (``ru_maxrss`` from wait4). A child started straight from a benchmark
that has built a project or written vectors (hundreds of MB) reported the benchmark's
own peak, whatever the child used: ``python -c pass`` from a parent holding 400 MB read
426 MB. Started from the launcher, the floor is the launcher's (about 10 MB, less than
any LabelDesk command), so the figure is the command's own.

    from own_peak import run_measured
    r = run_measured([sys.executable, "-m", "labeldesk", "stats", P], env=env, timeout_s=600)
    r["peak_mb"], r["cpu_s"], r["read_mb"], r["returncode"], r["stdout"], r["stderr"]
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

LAUNCHER = Path(__file__).resolve()
POLL_S = 0.01


def _launch(report: str, timeout_s: float, cmd: list[str]) -> None:
    """The launcher: start ``cmd`` (posix_spawn, its own stdin/stdout/stderr), wait for
    it, write its own figures to ``report`` as JSON."""
    pid = os.posix_spawnp(cmd[0], cmd, os.environ)
    deadline = time.monotonic() + timeout_s
    out: dict[str, object] = {}
    while True:
        # ended: read what it read first (its /proc entry stays until it is reaped)
        if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT):
            out["read_bytes"] = _rchar(pid)
            _pid, status, usage = os.wait4(pid, 0)
            break
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            _pid, status, usage = os.wait4(pid, 0)
            out["timed_out"] = True
            break
        time.sleep(POLL_S)
    out.update(
        returncode=os.waitstatus_to_exitcode(status),
        cpu_s=usage.ru_utime + usage.ru_stime,
        peak_mb=usage.ru_maxrss / 1024,
    )
    with open(report, "w") as f:
        json.dump(out, f)


def _rchar(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/io") as f:
            fields = dict(line.split(": ") for line in f.read().splitlines())
        return float(fields["rchar"])
    except (OSError, KeyError, ValueError):
        return None


def run_measured(
    cmd: list[str],
    *,
    env: dict[str, str] | None = None,
    cwd: str | Path | None = None,
    timeout_s: float = 600.0,
    capture_stdout: bool = True,
) -> dict:
    """Run ``cmd`` from the launcher: ``returncode``, ``cpu_s`` (user + system of the
    command and the children it waited for), ``peak_mb`` (its own high-water mark),
    ``read_mb`` (rchar; NaN where /proc has no io), ``wall_s``, ``stdout`` (text; empty
    when not captured), ``stderr`` (text) and ``timed_out`` when it ran past
    ``timeout_s`` (it is killed)."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory(prefix="labeldesk-own-peak-") as tmp:
        report = Path(tmp) / "report.json"
        launcher = [sys.executable, "-I", "-S", str(LAUNCHER), str(report), str(timeout_s)]
        start = time.perf_counter()
        done = subprocess.run(
            [*launcher, "--", *cmd],
            env=env, cwd=cwd, close_fds=True, text=True, stderr=subprocess.PIPE,
            stdout=subprocess.PIPE if capture_stdout else subprocess.DEVNULL,
        )  # fmt: skip
        wall = time.perf_counter() - start
        if done.returncode != 0 or not report.exists():
            raise RuntimeError(f"the launcher failed ({done.returncode}): {done.stderr[-400:]}")
        got = json.loads(report.read_text())
    read = got.pop("read_bytes", None)
    return {
        **got,
        "timed_out": bool(got.get("timed_out", False)),
        "read_mb": float("nan") if read is None else read / 2**20,
        "wall_s": wall,
        "stdout": done.stdout or "",
        "stderr": done.stderr or "",
    }


if __name__ == "__main__":
    # python -I -S own_peak.py REPORT TIMEOUT_S -- CMD...
    _launch(sys.argv[1], float(sys.argv[2]), sys.argv[4:])
