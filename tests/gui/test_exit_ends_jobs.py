"""At Python's exit the job keeper cancels every job and waits for it, so that none
signals through the Qt objects PySide deletes next. A job waiting on a child process that
has not stopped (still starting up, it checks for a stop only once loaded) ends too: its
child is terminated, as multiprocessing would right after, while the job's objects live.
Before, such a job ended after PySide had deleted it: a script that built a project view
and quit while its insights child started printed RuntimeError: Signal source has been
deleted."""

from __future__ import annotations

import multiprocessing
import time

from labeldesk.core.errors import Cancelled
from labeldesk.gui import workers
from labeldesk.gui.workers import Job, JobRunner


def test_a_job_whose_child_has_not_stopped_ends_before_the_exit_goes_on(qtbot):
    children: list = []

    def wait_for_child(*, progress, cancel):
        child = multiprocessing.get_context("spawn").Process(
            target=time.sleep, args=(60,), daemon=True
        )
        child.start()
        children.append(child)
        child.join(60)  # (it ignores the stop asked for)
        raise Cancelled("the child stopped")

    runner = JobRunner()
    job = runner.start(Job(wait_for_child, "Child"))
    qtbot.waitUntil(lambda: bool(children), timeout=30_000)
    try:
        assert workers._keeper().cancel_all(wait_s=0.5) >= 1
        assert job.executed.is_set()
        assert children[0].exitcode is not None  # terminated
    finally:
        for child in children:
            child.terminate()
        assert runner.shutdown()
