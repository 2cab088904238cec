"""The `labeldesk` command's exit: with a ``ray.init`` given up on still in Ray's hands,
it leaves at once, skipping the interpreter's teardown, in which Ray's threads could
crash the process (exit -11 after it had said "nothing was written"); else as usual."""

from __future__ import annotations

import pytest

from labeldesk import cli
from labeldesk.ml import ray_cluster


def test_with_a_ray_init_left_to_ray_the_process_leaves_at_once(monkeypatch):
    left: list[int] = []
    monkeypatch.setattr(ray_cluster, "left_to_ray", lambda: True)
    monkeypatch.setattr(cli.os, "_exit", left.append)
    with pytest.raises(SystemExit):  # (the stand-in for os._exit returns)
        cli.leave(1)
    assert left == [1]


def test_otherwise_it_exits_as_usual(monkeypatch):
    monkeypatch.setattr(cli.os, "_exit", lambda code: pytest.fail("left without teardown"))
    with pytest.raises(SystemExit) as ended:
        cli.leave(3)
    assert ended.value.code == 3


AFTER_A_RAY_JOB = """
import atexit, os, sys
import labeldesk.ml.ray_cluster  # (a command that ran on a Ray cluster)
from labeldesk.cli import leave

class Cycle:
    def __init__(self):
        self.me = self
    def __del__(self):
        os.write(1, b"collected at exit\\n")

kept = Cycle()  # garbage only once the interpreter's teardown clears this module
atexit.register(lambda: os.write(1, b"atexit ran\\n"))
print("the command's last line")  # (buffered: the exit must still write it)
leave(3)
"""


def test_after_a_ray_job_the_exit_skips_the_last_garbage_scans():
    """A command that ran on a Ray cluster lingered after its last line: the teardown's
    garbage collections over Ray, Ray Data and the model's runtime went on 5.7-7.1 s
    after a finished job's summary, and 5-48 s after the error of a job Ray's memory
    monitor had killed (`python benchmarks/bench_ray_exit.py` prints the first). Those
    scans are skipped now: an object that only they would collect is not, and the rest
    of the exit (atexit handlers, the output flushed, the exit code) is as before."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", AFTER_A_RAY_JOB], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 3, done.stderr
    assert "the command's last line" in done.stdout and "atexit ran" in done.stdout
    assert "collected at exit" not in done.stdout
