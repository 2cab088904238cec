"""The tests' own local Ray cluster is stopped when the test process is killed with
SIGTERM, not left running (the watchdog of ``local_ray.py``; each test here starts a
one-node cluster of its own in a child process and SIGTERMs that process).

Seen before: a test cluster kept running after its pytest got SIGTERM. Two ways: the
signal came while the cluster started (its watchdog was started only once every node
was up, a minute on a loaded machine), or after a test had joined the cluster with
``ray.init`` on the main thread, which made SIGTERM raise SystemExit: pytest counted
it as that test's failure and went on with the rest of the suite, the cluster up."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cluster.local_ray import kill_cluster_processes, processes_naming

pytestmark = pytest.mark.slow
TESTS = Path(__file__).parents[1]
UP_WAIT_S = 240.0  # a one-node cluster's start on a loaded machine
GONE_WAIT_S = 60.0  # how long a killed process and its cluster may take to go

# Starts the cluster, and stays in its start (as if its next node were slow to come)
STARTING = f"""
import sys, time
sys.path.insert(0, {str(TESTS)!r})
from cluster import local_ray
wait = local_ray._wait_for_nodes
def slow(cluster, count):
    wait(cluster, count)  # the head is up
    print("TEMP", cluster.temp_dir, flush=True)
    time.sleep(600)  # the next node, not yet
local_ray._wait_for_nodes = slow
local_ray.start_local_ray(nodes=2)
"""

# A test joins the cluster as a notebook does, then the rest of the suite runs
JOINED = f"""
import sys, time
sys.path.insert(0, {str(TESTS)!r})
import pytest
from cluster.local_ray import start_local_ray

@pytest.fixture
def cluster():
    running = start_local_ray(nodes=1)
    yield running
    running.stop()

def test_joined(cluster):
    import ray
    ray.init(address=cluster.address)  # on the main thread, as a notebook's
    print("TEMP", cluster.temp_dir, flush=True)
    time.sleep(600)

def test_the_rest_of_the_suite():
    time.sleep(600)
"""


def _temp_dir(proc: subprocess.Popen) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + UP_WAIT_S
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if "TEMP " in line:  # (the line may begin with pytest's output)
            return line.split("TEMP ", 1)[1].strip()
    raise AssertionError("the cluster did not start")


def _sigterm_leaves_nothing(proc: subprocess.Popen) -> None:
    temp_dir = ""
    try:
        temp_dir = _temp_dir(proc)
        assert processes_naming(temp_dir)  # the cluster runs
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=GONE_WAIT_S)
        except subprocess.TimeoutExpired:
            code = None
        assert code == -signal.SIGTERM  # ended by it, not gone on with the next tests
        deadline = time.monotonic() + GONE_WAIT_S
        while _left(temp_dir) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert processes_naming(temp_dir) == []
        assert not Path(temp_dir).exists()  # its files removed too
    finally:
        proc.kill()
        proc.wait()
        if temp_dir:  # what this test started, if the watchdog did not stop it
            kill_cluster_processes([], temp_dir)
            shutil.rmtree(temp_dir, ignore_errors=True)


def _left(temp_dir: str) -> bool:
    """Whether a process of the cluster, or its folder, is still there."""
    return bool(processes_naming(temp_dir)) or Path(temp_dir).exists()


@pytest.mark.timeout(600)
def test_sigterm_while_the_cluster_starts_stops_it():
    proc = subprocess.Popen(
        [sys.executable, "-c", STARTING], stdout=subprocess.PIPE, text=True, cwd=TESTS
    )
    _sigterm_leaves_nothing(proc)


@pytest.mark.timeout(600)
def test_sigterm_after_a_test_joined_the_cluster_ends_pytest_and_the_cluster(tmp_path: Path):
    (tmp_path / "test_joined.py").write_text(JOINED)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    run = [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", "test_joined.py"]
    proc = subprocess.Popen(run, stdout=subprocess.PIPE, text=True, cwd=tmp_path)
    _sigterm_leaves_nothing(proc)
