"""Jobs run core functions off the GUI thread and end with exactly one outcome signal."""

from __future__ import annotations

import threading

from labeldesk.core.errors import ImageRootError
from labeldesk.core.progress import Progress
from labeldesk.gui.workers import Job, JobRunner


def test_a_job_reports_progress_then_its_result(qtbot):
    gui_thread = threading.get_ident()
    worker_threads = []

    def count(*, progress, cancel):
        worker_threads.append(threading.get_ident())
        for done in range(1, 4):
            progress(Progress(done, 3, "counting"))
        return "done"

    job = Job(count, "count")
    events: list[tuple] = []
    job.progress.connect(lambda *args: events.append(("progress", *args)))
    job.finished.connect(lambda result: events.append(("finished", result)))
    with qtbot.waitSignal(job.ended, timeout=5000):
        job.start()
    assert events[0] == ("progress", 1, 3, "counting")  # the first report always passes
    assert events[-2:] == [("progress", 3, 3, "counting"), ("finished", "done")]
    assert worker_threads and worker_threads[0] != gui_thread
    assert not job.running


def test_a_step_that_stops_counting_shows_that_at_once(qtbot):
    """The map's neighbour step counts its search to 100 %, then UMAP builds its graph
    with no count: that report must not be dropped as too soon after the last."""

    def search_then_graph(*, progress, cancel):
        progress(Progress(0, 0, "neighbours"))
        progress(Progress(300, 300, "neighbours"))
        progress(Progress(0, 0, "neighbours"))
        return None

    job = Job(search_then_graph)
    events: list[tuple] = []
    job.progress.connect(lambda *args: events.append(args))
    with qtbot.waitSignal(job.ended, timeout=5000):
        job.start()
    assert events == [(0, 0, "neighbours"), (300, 300, "neighbours"), (0, 0, "neighbours")]


def test_an_expected_error_becomes_one_readable_message(qtbot):
    def broken(*, progress, cancel):
        raise ImageRootError("image folder /nowhere is missing")

    job = Job(broken)
    with qtbot.waitSignal(job.failed, timeout=5000) as failed:
        job.start()
    (exc,) = failed.args  # the exception itself: a view may react to its type
    assert isinstance(exc, ImageRootError)
    assert job.describe(exc) == "image folder /nowhere is missing"


def test_a_full_disk_or_a_damaged_database_is_an_expected_failure_too(qtbot, caplog):
    import errno
    import sqlite3

    for error, words in (
        (OSError(errno.ENOSPC, "No space left on device", "/p/x"), "no space left on the disk"),
        (sqlite3.DatabaseError("database disk image is malformed"), "database is damaged"),
    ):

        def broken(*, progress, cancel, error=error):
            raise error

        job = Job(broken, "Export")
        with qtbot.waitSignal(job.failed, timeout=5000) as failed:
            job.start()
        text = job.describe(failed.args[0])
        assert failed.args[0] is error and words in text and "unexpectedly" not in text
    assert "Traceback" not in caplog.text


def test_an_unexpected_error_is_logged_and_still_one_message(qtbot, caplog):
    def buggy(*, progress, cancel):
        raise ZeroDivisionError("division by zero")

    job = Job(buggy, "buggy job")
    with qtbot.waitSignal(job.failed, timeout=5000) as failed:
        job.start()
    assert isinstance(failed.args[0], ZeroDivisionError)
    assert job.describe(failed.args[0]) == "buggy job failed unexpectedly: division by zero"
    assert "Traceback" in caplog.text  # the details go to the log, not to the user


def test_rescan_job_reports_progress_and_can_be_cancelled(qtbot, project):
    gate = threading.Event()
    seen: list[Progress] = []

    def slow_scan(*, progress, cancel):
        def report(update: Progress) -> None:
            seen.append(update)
            progress(update)
            gate.wait(5)  # hold the scan until the test has pressed Cancel

        return project.scan(progress=report, cancel=cancel, workers=1)

    job = Job(slow_scan, "rescan")
    with qtbot.waitSignal(job.progress, timeout=5000) as first:
        job.start()
    assert first.args[2] == "listing files"
    with qtbot.waitSignals([job.cancelled, job.ended], timeout=5000):
        job.cancel()
        gate.set()
    assert job.result is not None and job.result.cancelled
    assert job.token.cancelled and seen


def test_runner_cancels_running_jobs_on_shutdown(qtbot):
    started = threading.Event()

    def wait_for_cancel(*, progress, cancel):
        started.set()
        while not cancel.cancelled:
            cancel_wait = threading.Event()
            cancel_wait.wait(0.01)
        cancel.raise_if_cancelled()

    runner = JobRunner()
    job = Job(wait_for_cancel)
    with qtbot.waitSignal(job.cancelled, timeout=5000):
        runner.start(job)
        assert started.wait(5)
        assert runner.active == [job]
        assert runner.shutdown(timeout_ms=5000)


def test_eta_comes_from_the_pace_so_far():
    import time

    from labeldesk.gui.job_progress import format_eta, job_eta

    job = Job(lambda **_: None, "eta")
    assert job_eta(job, 1, 3) == ""  # not started: no pace yet
    job.started_at = time.monotonic() - 10  # 1 of 3 done in 10 s
    assert job_eta(job, 1, 3) == " · 20s left"
    assert job_eta(job, 0, 3) == job_eta(job, 3, 3) == ""
    assert format_eta(3725) == "1h 02m left"


def test_eta_is_paced_by_the_phase_it_is_in():
    """A fine-tune's re-embedding (its second bar) was paced from the start of the job:
    an hour of training before it made its 10 minutes read as hours."""
    import time

    from labeldesk.core.progress import Progress
    from labeldesk.gui.job_progress import job_eta

    job = Job(lambda **_: None, "eta")
    job.started_at = time.monotonic() - 3600  # an hour of training
    job._report(Progress(0, 600, "embedding"))
    began, done = job.phase_began
    job.phase_began = (began - 10, done)  # 100 of 600 embedded in 10 s
    assert job_eta(job, 100, 600) == " · 50s left"


def test_eta_takes_the_jobs_own_estimate_of_all_it_has_left():
    """A fine-tune's training bar gives no time for the re-embedding after it: the job's
    own estimate counts it, and says when it is a rough guess."""
    from labeldesk.core.progress import Progress
    from labeldesk.gui.job_progress import job_eta

    job = Job(lambda **_: None, "eta")
    data = {"epoch": 1, "left_s": 372.0, "left_rough": True, "left_with": "re-embedding"}
    job._report(Progress(5, 30, "fine-tuning", data))
    assert job_eta(job, 5, 30) in (
        " · about 6m 12s left in all (rough)",
        " · about 6m 11s left in all (rough)",  # a second passed
    )
    job._report(Progress(40, 600, "embedding"))  # no estimate of its own: its pace
    assert job.told_left is None


def test_a_job_nobody_holds_is_freed_on_the_gui_thread_after_its_signals(qtbot):
    """A form that starts a new check drops the old job while it still runs. If the worker
    thread dropped the last reference, the job was deleted there, and its queued
    ``finished`` reached a slot whose ``sender()`` pointed at freed memory (a crash)."""
    from PySide6.QtCore import Qt

    gui_thread = threading.get_ident()
    gate = threading.Event()
    freed_on: list[int] = []
    delivered: list[str] = []

    def wait_then_answer(*, progress, cancel):
        gate.wait(5)
        return "late"

    job = Job(wait_then_answer, "late")
    job.destroyed.connect(
        lambda: freed_on.append(threading.get_ident()), Qt.ConnectionType.DirectConnection
    )
    job.finished.connect(delivered.append)
    job.start()
    del job  # the caller moved on; only the pool's handle is left
    gate.set()
    qtbot.waitUntil(lambda: bool(freed_on), timeout=5000)
    assert freed_on == [gui_thread]
    assert delivered == ["late"]  # the result still arrived before the job went


def test_shutdown_waits_on_for_a_persons_write_queued_behind_a_slow_job(qtbot):
    """A label write queued behind a job slow to stop (a training run recording its
    version) is not dropped when the usual wait runs out: the project would otherwise be
    closed under it, and its labels lost unseen."""
    release = threading.Event()
    written: list[str] = []

    def slow_to_stop(*, progress, cancel):
        release.wait(10)  # ignores the cancel for a while

    def label_write(*, progress, cancel):
        written.append("labels")

    runner = JobRunner(max_threads=1)
    runner.start(Job(slow_to_stop, "training"))
    write = Job(label_write, "label 500 images")
    write.keep_on_close = True
    runner.start(write)
    threading.Timer(0.5, release.set).start()
    assert runner.shutdown(timeout_ms=50)
    assert written == ["labels"] and write.executed.is_set()
