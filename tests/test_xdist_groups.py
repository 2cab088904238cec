"""``make test``'s two processes keep each test file whole in one of them and all of
tests/cluster/ in one (tests/xdist_groups.py): the xdist_group marks meant for this never
took effect, and the tests were scheduled one by one."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from xdist_groups import CLUSTER, group_of

TESTS = Path(__file__).parent
ROOT = TESTS.parent
FILES = ["tests/cli/test_cluster_line.py", "tests/test_bench_own_peak.py"]


def test_a_files_tests_are_one_group_and_the_cluster_tests_all_one():
    assert group_of("tests/cli/test_cluster_line.py::test_x", ROOT) == FILES[0]
    assert group_of("tests/cli/test_cluster_line.py::test_y[a::b]", ROOT) == FILES[0]
    assert group_of("tests/cluster/test_ray_busy.py::test_x", ROOT) == CLUSTER
    assert group_of("tests/cluster/test_ray_changed.py::test_y", ROOT) == CLUSTER
    assert group_of("elsewhere/test_z.py::test_z", ROOT) == "elsewhere/test_z.py"


def test_under_two_processes_each_files_tests_run_in_one(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}
    args = ["-m", "pytest", "-v", "-n", "2", "--dist", "loadgroup", "-p", "no:cacheprovider"]
    args += ["--basetemp", str(tmp_path / "basetemp")]  # (see tests/test_exit_guard.py)
    done = subprocess.run(
        [sys.executable, *args, *FILES],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        env=env,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    workers: dict[str, set[str]] = defaultdict(set)
    for worker, file in re.findall(r"\[(gw\d)\] \[ *\d+%\] PASSED (\S+?)::", done.stdout):
        workers[file].add(worker)
    assert set(workers) == set(FILES), done.stdout[-3000:]
    assert all(len(ran_in) == 1 for ran_in in workers.values()), dict(workers)
