"""Keeps the browser's copy of the model's per-image insights fresh, in the background.

Insights (predictions, label-quality scores, outlier scores, neighbours) come from
:func:`labeldesk.ml.insights.image_insights`. The feed computes them when a project opens
and after embeddings or training finish, and again a few seconds after a person stops
changing labels, in a child process (never on the GUI thread, nor holding its GIL) and
never two at a time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from labeldesk.core.progress import CancelToken
from labeldesk.gui.workers import Job, JobRunner, Tracker

if TYPE_CHECKING:
    from labeldesk.core.progress import ProgressCallback
    from labeldesk.core.project import Project
    from labeldesk.ml.insights import ImageInsights

AFTER_LABELS_MS = 3000  # quiet time after the last label change before recomputing


class InsightsFeed(QObject):
    updated = Signal(object)  # ImageInsights, or None when nothing is embedded yet
    failed = Signal(object)  # str, or a FailureText: with the disk it found full
    busyChanged = Signal(bool)  # :attr:`busy` turned on or off (the numbers shown are old)
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
        if self.track is not None and not quiet:
            self.track(job, "Scoring images")
        self.job = self.runner.start(job)
        self._computing = self.job is not None and self.job.running
        self._say_busy()
        return job

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
        self._drop_keepers()
        if self.job is not None:
            self.job.cancel()

    def _finished(self, insights: ImageInsights | None) -> None:
        self._computing = False  # (its job still runs while this result is shown)
        if self._closed:
            return
        self.latest = insights
        self.updated.emit(insights)
        self._say_busy()

    def _ended(self) -> None:
        self._computing = False
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
