"""Workers end with a parent killed outright: they lived on for good (idle, holding the
dead command's stdout open), and SIGTERM stopped a command with no cleanup at all."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import write_image

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")

POOL_THEN_KILL = """
import multiprocessing, os, signal
from concurrent.futures import ProcessPoolExecutor
from labeldesk.core.parent_watch import exit_with_parent

if __name__ == "__main__":
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(2, mp_context=context, initializer=exit_with_parent)
    pids = {pool.submit(os.getpid).result() for _ in range(8)}
    print(" ".join(map(str, pids)), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
"""


def running(pid: int) -> bool:
    """Alive and not a zombie (a container's first process may never reap orphans)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


def wait_gone(pids, timeout=15.0) -> list[int]:
    end = time.monotonic() + timeout
    while time.monotonic() < end and any(running(p) for p in pids):
        time.sleep(0.2)
    return [p for p in pids if running(p)]


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def test_pool_workers_exit_when_their_parent_is_killed(tmp_path):
    script = tmp_path / "pool.py"
    script.write_text(POOL_THEN_KILL)
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert run.returncode == -9
    workers = [int(p) for p in run.stdout.split()]
    assert workers and wait_gone(workers) == []


def test_a_terminated_scan_stops_its_workers_and_says_so(tmp_path):
    root = tmp_path / "images"
    for i in range(1500):
        write_image(root / f"c{i % 3}" / f"{i}.png", size=(16, 16), fmt="PNG", seed=i)
    command = [sys.executable, "-m", "labeldesk", "new", str(tmp_path / "p"), "--images", str(root)]
    proc = subprocess.Popen([*command, "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    end, workers = time.monotonic() + 60, []
    while time.monotonic() < end and proc.poll() is None:
        workers = [c for c in children(proc.pid) if "spawn" in _cmdline(c)]
        if workers:
            break
        time.sleep(0.05)
    if not workers:
        proc.kill()
        pytest.skip("the scan ended before its workers could be seen")
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 143
    said = json.loads(out)
    assert said["kind"] == "Interrupted"
    if said.get("saved"):  # batches committed before the signal stay, and it says how to go on
        assert said["error"].startswith("terminated; the project and the images it had indexed")
        assert f"`labeldesk scan {tmp_path / 'p'}` indexes the rest" in said["error"]
    else:
        assert said == {"error": "terminated", "kind": "Interrupted"}
    assert wait_gone(workers) == []


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""
