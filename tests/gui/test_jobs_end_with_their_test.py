"""A GUI test's jobs end with it (tests/gui/conftest.py): one it left running is
cancelled and waited for before the next test starts. Under load a cross-fit and a
child-process embedding that tests had given up on ran on into the next tests."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

TESTS = Path(__file__).parents[1]
ROOT = TESTS.parent

INNER = """
import threading

from labeldesk.gui.workers import Job, unfinished_jobs

STOPPED = threading.Event()


def test_leaves_a_job_running(qtbot):
    def run(*, progress, cancel):
        while not cancel.cancelled:  # until cancelled: nothing here cancels it
            STOPPED.wait(0.05)
        STOPPED.set()

    Job(run, "Left behind").start()


def test_the_next_test_finds_none():
    assert STOPPED.is_set() and unfinished_jobs() == []
"""


def test_a_job_a_test_left_running_ends_before_the_next_test(tmp_path):
    (tmp_path / "test_inner.py").write_text(textwrap.dedent(INNER))
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(TESTS)]),
        "QT_QPA_PLATFORM": "offscreen",
    }
    options = ["-q", "-p", "no:cacheprovider", "-p", "no:randomly", "-p", "gui.conftest"]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            *options,
            "--basetemp",
            str(tmp_path / "basetemp"),
            str(tmp_path / "test_inner.py"),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "2 passed" in result.stdout
