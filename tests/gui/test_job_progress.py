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
