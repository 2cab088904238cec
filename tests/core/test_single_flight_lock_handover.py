"""A computation's lock file stays exclusive as it is handed from one process to the next.

The holder removes its lock file as it lets go. A second process that had opened that
file while it waited then locks the removed file; a third that comes after the removal
makes a new file at the path and locks that: before, both held "the" lock at once (and
both computed). Here: process A computes, B waits for A's lock, A finishes, B computes,
and C, a process that comes just then, must find the lock taken."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/fd").is_dir(), reason="looks at /proc for an open lock file"
)

COMPUTE = """
import os, sys, time
from pathlib import Path
from labeldesk.core import single_flight

folder, name = Path(sys.argv[1]), sys.argv[2]

def compute(stop_check):
    (folder / f"in-{name}").touch()
    while not (folder / f"go-{name}").exists():
        time.sleep(0.01)
    return name

print(single_flight.shared("key", compute, lock_file=folder / ".result.lock"))
"""

TRY_LOCK = """
import sys
from pathlib import Path
from labeldesk.core.filelock import FileLock

lock = FileLock(Path(sys.argv[1]), poll_seconds=0.05)
try:
    lock.acquire(timeout=0.5)
except TimeoutError:
    print("taken")
else:
    print("got it")
"""


def wait_for(check, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.01)


def has_open(pid: int, path: Path) -> bool:
    fds = Path(f"/proc/{pid}/fd")
    for fd in list(fds.iterdir()) if fds.is_dir() else []:
        try:
            if os.readlink(fd) == str(path):
                return True
        except OSError:
            pass
    return False


def start(script: str, *args: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", script, *map(str, args)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_a_process_coming_as_the_lock_is_handed_on_finds_it_taken(tmp_path):
    lock = tmp_path / ".result.lock"
    a = start(COMPUTE, tmp_path, "a")
    b = None
    try:
        wait_for((tmp_path / "in-a").exists, "A computes")
        b = start(COMPUTE, tmp_path, "b")
        wait_for(lambda: has_open(b.pid, lock), "B opens A's lock file")
        (tmp_path / "go-a").touch()
        assert a.communicate(timeout=60)[0].strip() == "a"  # A let go (its file removed)
        wait_for((tmp_path / "in-b").exists, "B computes")
        c = start(TRY_LOCK, lock)
        c_out, c_err = c.communicate(timeout=60)
        assert c_out.strip() == "taken", c_err  # before: "got it", B holding it too
        (tmp_path / "go-b").touch()
        assert b.communicate(timeout=60)[0].strip() == "b"
    finally:
        for child in (a, b):
            if child is not None and child.poll() is None:
                child.kill()
                child.communicate()
    # B removed the lock file it held as it let go, and nothing else was left
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".result")]
