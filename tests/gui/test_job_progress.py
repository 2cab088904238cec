"""The status bar's job widget: its Cancel button keeps its own size (it stretched to
about 230 px while a job ran in a wide window)."""

from __future__ import annotations

import threading

from labeldesk.gui.job_progress import JobProgressWidget
from labeldesk.gui.workers import Job


def test_cancel_keeps_its_size_in_a_wide_bar(qtbot):
    widget = JobProgressWidget()
    qtbot.addWidget(widget)
    release = threading.Event()
    job = Job(lambda **_: release.wait(10), "Scoring")
    widget.track(job, "Scoring images")
    job.start()
    try:
        widget.resize(1200, 40)
        widget.show()
        qtbot.waitExposed(widget)
        assert widget.cancel_button.width() == widget.cancel_button.sizeHint().width()
        assert widget.label.width() > widget.cancel_button.width()  # the room goes to words
    finally:
        release.set()
        qtbot.waitUntil(lambda: not job.running, timeout=10000)


def test_a_phase_named_as_its_job_is_not_said_twice(qtbot):
    widget = JobProgressWidget()
    qtbot.addWidget(widget)
    widget._title = "Fine-tuning"
    widget._on_progress(0, 0, "fine-tuning")
    assert widget.label.text() == "Fine-tuning"
    widget._on_progress(0, 0, "loading backbone")
    assert widget.label.text() == "Fine-tuning: loading backbone"


def test_cancel_of_a_child_job_still_starting_ends_at_once(qtbot, project, tmp_path, monkeypatch):
    """A job in a child process that is still importing its modules (19-25 s for torch
    on a busy machine) stops at Cancel: the bar said "cancelling…" until the child had
    started and reached the job's first check."""
    from labeldesk.ml.child_jobs import run_in_child

    marker = tmp_path / "child-pid"
    monkeypatch.setenv("LABELDESK_TEST_STARTING", str(marker))  # (tests/ml/slow_start_target)
    path = project.path
    widget = JobProgressWidget()
    qtbot.addWidget(widget)
    job = Job(
        lambda progress, cancel: run_in_child(
            "ml.slow_start_target:job", path, progress=progress, cancel=cancel
        ),
        "Embeddings",
    )
    outcomes: list[object] = []
    job.cancelled.connect(lambda: outcomes.append("cancelled"))
    job.failed.connect(outcomes.append)
    job.finished.connect(outcomes.append)
    widget.track(job, "Computing embeddings")
    job.start()
    qtbot.waitUntil(marker.exists, timeout=120_000)  # the child is importing (for 300 s)
    widget.cancel_button.click()
    assert widget.label.text() == "Computing embeddings: cancelling…"
    # (the job's own end and the bar's are two queued slots: wait for what is asserted)
    qtbot.waitUntil(lambda: not job.running and widget.isHidden(), timeout=30_000)
    assert outcomes == ["cancelled"]
