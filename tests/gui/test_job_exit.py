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
