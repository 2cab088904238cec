"""Status-bar progress for the running job: message, bar, ETA and a Cancel button."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QSizePolicy, QWidget

from labeldesk.core.display import duration, time_left_text
from labeldesk.gui.elided_label import ElidedLabel
from labeldesk.gui.workers import Job


def format_eta(seconds: float) -> str:
    return f"{duration(seconds)} left"


def job_eta(job: Job | None, done: int, total: int) -> str:
    """ " · 12s left" from the pace of the phase so far; "" before there is a pace. A job
    that gives its own estimate of all it has left (a fine-tune: its re-embedding
    included) is taken at its word: " · about 6m 10s left in all (rough)"."""
    if job is None:
        return ""
    if job.told_left is not None:
        when, data = job.told_left
        seconds = data["left_s"] - (time.monotonic() - when)
        return f" · {time_left_text({**data, 'left_s': seconds}, short=True)}"
    if job.started_at is None or not 0 < done < total:
        return ""
    began, done_then = job.phase_began or (job.started_at, 0)
    if done <= done_then:
        return ""
    elapsed = time.monotonic() - began
    return f" · {format_eta(elapsed * (total - done) / (done - done_then))}"


class JobProgressWidget(QWidget):
    """Shows the newest running job (with Cancel); when it ends, the next newest still
    running comes back into view. Hidden while idle."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 0, 0, 0)  # apart from the status message beside it
        self.label = ElidedLabel()  # a long message must not widen the window
        self.bar = QProgressBar()
        self.bar.setFixedWidth(180)
        self.bar.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        self._job: Job | None = None
        self._title = ""
        self._tracked: list[tuple[Job, str, tuple[int, int, str] | None]] = []
        self.cancel_button.clicked.connect(self._cancel)
        self.hide()

    def track(self, job: Job, title: str) -> None:
        """Follow ``job`` until it ends (connect before the job starts)."""
        self._tracked.append((job, title, None))
        # (tied to this widget: a job still running when the window was deleted, or
        # whose last signals were still queued then, calls nothing on it)
        job.connect_while(self, job.progress, lambda d, t, m: self._job_progress(job, d, t, m))
        job.connect_while(self, job.retitled, lambda new: self._job_retitled(job, new))
        job.connect_while(self, job.ended, lambda: self._job_ended(job))
        job.connect_while(self, job.cancelRequested, lambda: self._job_cancelling(job))
        self._display(job, title, None)

    def _display(self, job: Job, title: str, last: tuple[int, int, str] | None) -> None:
        self._job = job
        self._title = title
        self.label.setText(f"{title}…")
        self.bar.setRange(0, 0)  # busy until the first report with a total
        self.cancel_button.setEnabled(not job.token.cancelled)
        if last is not None:
            self._on_progress(*last)
        elif job.token.cancelled:
            self.label.setText(f"{title}: cancelling…")
        self.show()

    def _job_cancelling(self, job: Job) -> None:
        """``job`` was asked to stop, by Cancel or by the page that started it (the
        review's "Refreshing the labeling queue" as Esc leaves the queue): said while the
        step it is in finishes, instead of its title alone, as if it went on."""
        if job is self._job:
            self.cancel_button.setEnabled(False)
            self.label.setText(f"{self._title}: cancelling…")

    def _job_progress(self, job: Job, done: int, total: int, message: str) -> None:
        self._tracked = [
            (j, t, (done, total, message) if j is job else last) for j, t, last in self._tracked
        ]
        if job is self._job:
            self._on_progress(done, total, message)

    def _job_retitled(self, job: Job, title: str) -> None:
        """A job that learnt more of itself (a cluster's head found): its line says it."""
        self._tracked = [(j, title if j is job else t, last) for j, t, last in self._tracked]
        if job is self._job:
            self._display(*next(entry for entry in self._tracked if entry[0] is job))

    def _job_ended(self, job: Job) -> None:
        self._tracked = [entry for entry in self._tracked if entry[0] is not job]
        if job is not self._job:
            return
        if self._tracked:
            self._display(*self._tracked[-1])
        else:
            self._job = None
            self.hide()

    def _on_progress(self, done: int, total: int, message: str) -> None:
        job = self._job
        if message.strip().lower() == self._title.strip().lower():
            message = ""  # "Fine-tuning: fine-tuning": the phase is the job
        if total <= 0:
            self.bar.setRange(0, 0)
            text = f"{self._title}: {message}" if message else self._title
        else:
            self.bar.setRange(0, total)
            self.bar.setValue(done)
            self.bar.setFormat(f"{done:,} / {total:,}")
            eta = job_eta(job, done, total)
            text = f"{self._title}: {message}{eta}" if message else f"{self._title}{eta}"
        if job is not None and job.token.cancelled:
            # a report on its way out (a phase's last one before it stops) read as if the
            # job went on, "Exporting: syncing the exported files to the disk · 2s left"
            text = f"{self._title}: cancelling…"
        self.label.setText(text)

    def _cancel(self) -> None:
        if self._job is not None:
            self._job.cancel()
            self.cancel_button.setEnabled(False)
            self.label.setText(f"{self._title}: cancelling…")
