"""A process waiting for another's computation keeps its wait mark (``.want``) while the
lock passes from one holder to the next.

Before, the holder removed the ``.want`` file as it let go, though two processes still
waited on it: the next holder then saw no wait mark at the path, so once its own
requesters left it stopped its computation, thinking nobody wanted it, and the other
waiter, given the lock next, computed the result once more. Here A computes while B and
C wait; A fails (nothing cached); X (B or C, whichever gets the lock) computes, and its requester is
cancelled; X must go on (Y still waits) and Y read X's result."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.core.test_single_flight_lock_handover import has_open, start, wait_for

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/fd").is_dir() or sys.platform == "win32",
    reason="wait marks are POSIX only; looks at /proc for an open lock file",
)

COMPUTE = """
import sys, threading, time
from pathlib import Path
from labeldesk.core import single_flight
from labeldesk.core.errors import Cancelled
from labeldesk.core.progress import CancelToken

folder, name = Path(sys.argv[1]), sys.argv[2]
result = folder / "result.txt"

class CancelledByFile(CancelToken):
    @property
    def cancelled(self):
        return (folder / f"cancel-{name}").exists()

def compute(stop_check):
    if result.exists():  # (as the real ones look in the cache first)
        return "read " + result.read_text()
    (folder / f"in-{name}").touch()
    try:
        while not (folder / f"go-{name}").exists():
            after_cancel = (folder / f"cancel-{name}").exists()
            stop_check()
            if after_cancel:
                (folder / f"checked-{name}").touch()  # went on, nobody here wanting it
            time.sleep(0.01)
    except Cancelled:
        (folder / f"stopped-{name}").touch()
        raise
    if (folder / f"fail-{name}").exists():
        raise RuntimeError("failed: nothing cached")
    result.write_text(name)
    return name

try:
    print(single_flight.shared("key", compute, cancel=CancelledByFile(),
                               lock_file=folder / ".result.lock"), flush=True)
except Cancelled:
    print("cancelled", flush=True)
except RuntimeError as exc:
    print(exc, flush=True)
for thread in threading.enumerate():  # its computation goes on without it: let it end
    if thread.name.startswith("single-flight-"):
        thread.join()
"""


def test_a_waiter_s_mark_outlives_the_holder_that_hands_on_the_lock(tmp_path):
    lock = tmp_path / ".result.lock"
    children: dict[str, subprocess.Popen[str]] = {}
    try:
        children["a"] = start(COMPUTE, tmp_path, "a")
        wait_for((tmp_path / "in-a").exists, "A computes")
        for name in "bc":
            child = children[name] = start(COMPUTE, tmp_path, name)
            wait_for(lambda child=child: has_open(child.pid, lock), f"{name} waits")
        (tmp_path / "fail-a").touch()
        (tmp_path / "go-a").touch()
        assert children["a"].communicate(timeout=60)[0].strip() == "failed: nothing cached"
        wait_for(lambda: any((tmp_path / f"in-{n}").exists() for n in "bc"), "B or C computes")
        x, y = ("b", "c") if (tmp_path / "in-b").exists() else ("c", "b")
        (tmp_path / f"cancel-{x}").touch()  # X's only requester leaves; Y still waits
        wait_for(
            lambda: any((tmp_path / f"{what}-{x}").exists() for what in ("checked", "stopped")),
            "X looks whether anyone still wants its result",
        )
        assert not (tmp_path / f"stopped-{x}").exists()  # before: stopped, Y's mark gone
        assert children[x].stdout.readline().strip() == "cancelled"  # its requester left
        (tmp_path / f"go-{x}").touch()
        x_out, x_err = children[x].communicate(timeout=60)  # its computation ended
        assert children[x].returncode == 0 and not x_out, x_err
        y_out, y_err = children[y].communicate(timeout=60)
        assert y_out.strip() == f"read {x}", y_err  # computed once, by X
        assert not (tmp_path / f"in-{y}").exists()
    finally:
        for child in children.values():
            if child.poll() is None:
                child.kill()
                child.communicate()
    # the last one to let go removed the lock and wait files; nothing else was left
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".result")]
