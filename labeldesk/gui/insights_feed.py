"""Keeps the browser's copy of the model's per-image insights fresh, in the background.

Insights (predictions, label-quality scores, outlier scores, neighbours) come from
:func:`labeldesk.ml.insights.image_insights`. The feed computes them when a project opens
and after embeddings or training finish, and again a few seconds after a person stops
changing labels, in a child process (never on the GUI thread, nor holding its GIL) and
never two at a time. While one runs, :attr:`step`, :attr:`part` and :attr:`began` say how
far it is and since when (:data:`progressed` each report, and each second), for the words
that tell a person it is alive (:meth:`step_text`).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from labeldesk.core.progress import CancelToken
from labeldesk.gui.estimate_words import SCORING_STEPS, scoring_step_text
from labeldesk.gui.workers import Job, JobRunner, Tracker

if TYPE_CHECKING:
    from labeldesk.core.progress import ProgressCallback
    from labeldesk.core.project import Project
    from labeldesk.ml.insights import ImageInsights

AFTER_LABELS_MS = 3000  # quiet time after the last label change before recomputing
TICK_MS = 1000  # how often :data:`InsightsFeed.progressed` says the time goes on


class InsightsFeed(QObject):
    updated = Signal(object)  # ImageInsights, or None when nothing is embedded yet
    failed = Signal(object)  # str, or a FailureText: with the disk it found full
    busyChanged = Signal(bool)  # :attr:`busy` turned on or off (the numbers shown are old)
    progressed = Signal()  # the computation reported a step, or a second went by
    # Computed in a child process: in a thread of the app, its ~1 s of numpy and pandas
    # at 100k held the GIL and stalled scrolling by up to 0.2 s (benchmarks/bench_gui.py).
    # Tests that need the result at once compute in-process.
    in_process = False

    def __init__(
        self,
        project: Project,
        runner: JobRunner,
        track: Tracker | None = None,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.project = project
        self.runner = runner
        self.track = track
        self.job: Job | None = None
        self.latest: ImageInsights | None = None
        self._again = False  # a refresh was asked for while one ran
        self._computing = False  # a computation runs whose result has not come yet
        self._closed = False
        self._said_busy = False  # what busyChanged last said
        self._keepers: list[CancelToken] = []  # set once the scores no longer need them
        self._timer = QTimer(self, singleShot=True, interval=AFTER_LABELS_MS)
        self._timer.timeout.connect(lambda: self.refresh(quiet=True))
        # The running computation's last report (done, total, step) and when it started
        # (monotonic; None: none runs): "Scoring the labels again…" sat unchanged for
        # over a minute on a loaded machine, nothing saying it was alive.
        self.step: tuple[int, int, str] | None = None
        # ... and the last report within that step (a probe's folds: the predictions')
        self.part: tuple[int, int, str] | None = None
        self.began: float | None = None
        self._tick = QTimer(self, interval=TICK_MS)
        self._tick.timeout.connect(self.progressed)

    def refresh(self, quiet: bool = False) -> Job | None:
        """Recompute now (after the running computation, if one is running)."""
        if self._closed:
            return None
        self._timer.stop()
        if self.job is not None and self.job.running:
            self._again = True  # (its result may be shown already: busy again, say so)
            self._say_busy()
            return None
        project, in_process = self.project, self.in_process

        def compute(*, progress: ProgressCallback, cancel: CancelToken) -> ImageInsights | None:
            if in_process:
                from labeldesk.ml.insights import insights_if_embedded

                return insights_if_embedded(project, progress=progress, cancel=cancel)
            from labeldesk.ml.child_jobs import run_in_child

            result: ImageInsights | None = run_in_child(
                "labeldesk.ml.insights:insights_if_embedded",
                project.path,
                progress=progress,
                cancel=cancel,
            )
            return result

        job = Job(compute, "Model insights")
        job.finished.connect(self._finished)
        # (tied to this object: its view may be deleted while the job still runs)
        job.connect_while(self, job.failed, lambda exc: self.failed.emit(job.describe(exc)))
        job.ended.connect(self._ended)
        job.connect_while(self, job.progress, lambda *report: self._reported(job, *report))
        if self.track is not None and not quiet:
            self.track(job, "Scoring images")
        self.job = self.runner.start(job)
        self._computing = self.job is not None and self.job.running
        self._timing(self._computing)
        self._say_busy()
        return job

    def _timing(self, running: bool) -> None:
        """A computation started (``running``) or ended: :attr:`began` and the ticks."""
        self.step = self.part = None
        self.began = time.monotonic() if running else None
        if running:
            self._tick.start()
        else:
            self._tick.stop()
        self.progressed.emit()

    def _reported(self, job: Job, done: int, total: int, message: str) -> None:
        if job is self.job and self._computing:  # (not a report queued from an older one)
            if message in SCORING_STEPS or self.step is None:
                self.step, self.part = (done, total, message), None
            else:  # (within the step: labeldesk.ml.out_of_sample's folds)
                self.part = (done, total, message)
            self.progressed.emit()

    def step_text(self) -> str:
        """How far the running computation is and how long it has run, in words
        (estimate_words.scoring_step_text); "" when none runs."""
        elapsed = None if self.began is None else time.monotonic() - self.began
        return scoring_step_text(self.step, elapsed, self.part)

    @property
    def busy(self) -> bool:
        """New scores are on their way: a computation runs, or one is due (after the
        pause that follows changes, or after the running one)."""
        return self._computing or self._again or self._timer.isActive()

    def keeper(self, due: bool = False) -> CancelToken | None:
        """While new scores are due (:attr:`busy`, or ``due``: the caller will ask for
        them), a token that stands for them as a requester of the predictions another
        job was computing (:func:`labeldesk.core.single_flight.hand_over`): that job may
        stop at once and the work goes on for the scores. Set once the feed is no longer
        busy after computing (it read the predictions, or needed none), the labels change
        again, or the feed shuts down; None when no scores are due (the predictions are
        not wanted here)."""
        if self._closed or not (self.busy or due):
            return None
        token = CancelToken()
        self._keepers.append(token)
        return token

    def _drop_keepers(self) -> None:
        for token in self._keepers:
            token.cancel()
        self._keepers.clear()

    def labels_changed(self, earlier: bool = False) -> None:
        """Recompute once the person pauses (each change restarts the wait). ``earlier``:
        the changes were made before now (the browser, hidden then, is shown): what was
        kept for the scores (:meth:`keeper`) is for them, and stays."""
        if not earlier:
            self._drop_keepers()  # (the scores due now are for other labels)
        if not self._closed:
            self._timer.start()
            self._say_busy()

    def shutdown(self) -> None:
        self._closed = True
        self._timer.stop()
        self._tick.stop()
        self._drop_keepers()
        if self.job is not None:
            self.job.cancel()

    def _finished(self, insights: ImageInsights | None) -> None:
        self._computing = False  # (its job still runs while this result is shown)
        self._timing(False)
        if self._closed:
            return
        self.latest = insights
        self.updated.emit(insights)
        self._say_busy()

    def _ended(self) -> None:
        self._computing = False
        if self.began is not None:  # (failed, or cancelled)
            self._timing(False)
        if self._again and not self._closed:
            self._again = False
            self.refresh(quiet=True)
        if not self._closed:
            self._say_busy()  # (a failed computation too: the old numbers are all there is)

    def _say_busy(self) -> None:
        busy = self.busy
        if not busy:
            self._drop_keepers()
        if busy != self._said_busy:
            self._said_busy = busy
            self.busyChanged.emit(busy)
