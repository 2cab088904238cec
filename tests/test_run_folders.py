"""A test run's own folders (tests/run_folders.py) go however the run ends: at the exit
guard's forced exit, and, for a run killed outright, at the start of the next run."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import run_folders

TESTS = Path(__file__).parent


def test_the_folders_of_dead_runs_are_removed_and_no_others(tmp_path):
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    dead = tmp_path / f"labeldesk-runtime-{int(ended.stdout)}-abc123"
    (dead / "graphs").mkdir(parents=True)
    (dead / "graphs" / "model.onnx").write_bytes(b"x" * 100)
    running = tmp_path / f"labeldesk-runtime-{os.getpid()}-def456"  # this run's
    running.mkdir()
    unmarked = tmp_path / "labeldesk-runtime-k9qzc8_v"  # an older run's: whose is unknown
    unmarked.mkdir()
    other = tmp_path / f"labeldesk-log-{int(ended.stdout)}-abc123"  # another prefix
    other.mkdir()
    assert run_folders.sweep("labeldesk-runtime-", tmp_path) == [dead]
    assert not dead.exists()
    assert running.is_dir() and unmarked.is_dir() and other.is_dir()


def test_a_run_the_exit_guard_ends_removes_its_folders(tmp_path):
    """The guard ends a process that will not exit with ``os._exit``, which runs no exit
    handlers: the folders went only with atexit, and stayed."""
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "conftest.py").write_text(
        textwrap.dedent(
            f"""
            import sys
            sys.path.insert(0, {str(TESTS)!r})
            import exit_guard
            import run_folders

            FOLDER = run_folders.make("guarded-run-")

            def pytest_sessionfinish(session):
                exit_guard.arm(session, grace_s=1.0, backstop_s=60.0)
            """
        )
    )
    (tmp_path / "run" / "test_it.py").write_text(
        textwrap.dedent(
            """
            import threading

            def test_leaves_a_thread_behind():
                threading.Thread(target=threading.Event().wait, name="stuck").start()
            """
        )
    )
    temp = tmp_path / "tmp"
    temp.mkdir()
    options = ["-q", "-p", "no:cacheprovider", "--basetemp", str(tmp_path / "basetemp")]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", *options, str(tmp_path / "run")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path / "run",
        env={**os.environ, "TMPDIR": str(temp)},
    )
    said = result.stdout + result.stderr
    assert "did not exit 1 s after the session ended" in said  # the guard ended it
    assert result.returncode == 0, said
    assert list(temp.glob("guarded-run-*")) == []
