"""The exit guard: a test process kept alive after its session says what holds it and
ends with the session's status instead of hanging CI."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

TESTS = Path(__file__).parent


def _run(
    tmp_path: Path, body: str, *args: str, arm: str = "grace_s=1.0, backstop_s=60.0"
) -> tuple[subprocess.CompletedProcess, float]:
    (tmp_path / "conftest.py").write_text(
        textwrap.dedent(
            f"""
            import sys
            sys.path.insert(0, {str(TESTS)!r})
            import exit_guard

            def pytest_sessionfinish(session):
                exit_guard.arm(session, {arm})
            """
        )
    )
    (tmp_path / "test_it.py").write_text(textwrap.dedent(body))
    started = time.monotonic()
    # its own --basetemp: under the default one, the inner run's exit removes the oldest
    # of the outer runs' numbered folders (gigabytes after the suite), which outlasted
    # the guard's grace in CI
    options = ["-q", "-p", "no:cacheprovider", "--basetemp", str(tmp_path / "basetemp")]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", *options, *args, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    return result, time.monotonic() - started


def test_a_thread_that_never_ends_is_named_and_the_status_kept(tmp_path):
    result, _ = _run(
        tmp_path,
        """
        import threading

        def test_leaves_a_thread_behind():
            threading.Thread(target=threading.Event().wait, name="stuck-forever").start()
        """,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "did not exit 1 s after the session ended (status 0)" in result.stderr
    assert "thread 'stuck-forever' (daemon=False)" in result.stderr
    assert "File " in result.stderr  # the stacks follow


def test_a_thread_left_in_an_xdist_worker_is_named_before_xdist_kills_it(tmp_path):
    """Two workers (as ``make test`` runs): the one left with a thread says so as it is
    told to exit, within xdist's 10 s, rather than being killed silently."""
    result, _ = _run(
        tmp_path,
        """
        import threading

        def test_leaves_a_thread_behind():
            threading.Thread(target=threading.Event().wait, name="stuck-in-a-worker").start()

        def test_ok():
            pass
        """,
        "-n",
        "2",
        # (the controller waits for its workers to exit: a longer grace of its own)
        arm="grace_s=60.0, backstop_s=120.0, worker_grace_s=1.0",
    )
    said = result.stdout + result.stderr
    assert result.returncode == 0, said
    assert "2 passed" in result.stdout, said
    assert "did not exit 1 s after it was told to (status 0)" in said
    assert "thread 'stuck-in-a-worker' (daemon=False)" in said
    assert said.count("did not exit") == 1  # the other worker and the controller exit


def test_a_failed_session_stays_failed(tmp_path):
    result, _ = _run(
        tmp_path,
        """
        import threading

        def test_fails_and_leaves_a_thread():
            threading.Thread(target=threading.Event().wait, name="stuck").start()
            assert False
        """,
    )
    assert result.returncode == 1
    assert "status 1" in result.stderr


def test_a_process_that_exits_on_its_own_says_nothing(tmp_path):
    result, took = _run(tmp_path, "def test_ok():\n    pass\n")
    assert result.returncode == 0
    assert "did not exit" not in result.stderr
    assert took < 60  # not held until the backstop


def test_a_script_running_pytest_in_process_is_not_cut_short(tmp_path):
    _run(tmp_path, "def test_ok():\n    pass\n")  # writes the conftest and the test
    driver = tmp_path / "driver.py"
    driver.write_text(
        textwrap.dedent(
            f"""
            import time
            import pytest
            pytest.main(["-q", "-p", "no:cacheprovider", {str(tmp_path)!r}])
            time.sleep(3)  # past the guard's 1 s: it must not have been armed
            print("driver finished")
            """
        )
    )
    result = subprocess.run(
        [sys.executable, str(driver)], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert "driver finished" in result.stdout
    assert "did not exit" not in result.stderr
