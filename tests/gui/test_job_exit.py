"""A job still running when Python exits is cancelled, so the process ends: Qt's teardown
waits for every running job, and one waiting for something that never comes (another
process's lock) used to keep the process alive for good."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import os, sys, time
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication
    from labeldesk.core.filelock import FileLock
    from labeldesk.gui.workers import Job

    app = QApplication([])
    path = sys.argv[1]
    held = FileLock(path).acquire()  # as another process's scan would hold it

    def wait_for_the_lock(progress, cancel):
        FileLock(path).acquire(cancel=cancel)

    job = Job(wait_for_the_lock, "waits for a lock")
    job.start()
    time.sleep(0.5)  # the job is waiting now
    print("leaving", flush=True)
    """
)


def test_a_job_waiting_for_a_lock_does_not_keep_python_from_exiting(tmp_path):
    lock = tmp_path / "scan.lock"
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(lock)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "leaving"
    assert "Traceback" not in result.stderr and "Error" not in result.stderr  # a clean end


# The worker's last step, the keeper's release, comes after the job has run (``executed``).
# The child slows that step down (its ``_keeper()`` lookup sleeps on the worker thread) and
# registers an exit handler before the keeper's, which Python therefore runs after it.
LATE_RELEASE = textwrap.dedent(
    """
    import atexit, os, threading, time
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication
    from labeldesk.gui import workers

    app = QApplication([])
    exit_went_on = threading.Event()
    released = threading.Event()

    def next_exit_handler():  # what Python (and PySide's teardown) does after the keeper's
        exit_went_on.set()
        released.wait(10)  # (keeps the old gap open long enough to be seen)

    atexit.register(next_exit_handler)
    keeper = workers._keeper

    def slow_keeper():
        if threading.current_thread() is not threading.main_thread():
            time.sleep(0.5)  # the worker, its job run, before it posts the release
            print("released after exit went on:", exit_went_on.is_set(), flush=True)
            released.set()
        return keeper()

    workers._keeper = slow_keeper
    running = threading.Event()

    def until_cancelled(progress, cancel):
        running.set()
        while not cancel.cancelled:
            time.sleep(0.01)

    workers.Job(until_cancelled, "ends at exit").start()
    running.wait(10)
    print("leaving", flush=True)
    """
)


def test_exit_waits_for_the_worker_to_be_done_with_its_job_not_only_for_the_job():
    # Before, the keeper's exit handler waited only for the job to have run, so the
    # worker's release was posted while Python (and PySide) went on tearing down: at
    # times a segfault in _JobRunnable.run.
    result = subprocess.run(
        [sys.executable, "-c", LATE_RELEASE],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split("\n")[:2] == ["leaving", "released after exit went on: False"]
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "Error" not in result.stderr
