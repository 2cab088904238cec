"""The review view's background work: compute the items, refresh the queue, find neighbours
(the lists themselves are computed by :mod:`labeldesk.browse.review_lists`).

Each kind of work keeps only its latest job: a newer request cancels the older one, and
results of a superseded job, or of any job after :meth:`ReviewJobs.shutdown`, are dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from labeldesk.browse.review_lists import QueueRefresh, compute_items, refresh_queue_items
from labeldesk.browse.review_records import ReviewList, Source
from labeldesk.core.progress import CancelToken, ProgressCallback
from labeldesk.core.single_flight import hand_over
from labeldesk.gui.neighbour_strip import NeighbourRow, find_neighbours
from labeldesk.gui.workers import Job, JobRunner, Tracker

if TYPE_CHECKING:
    from labeldesk.browse.review_scope import ReviewScope
    from labeldesk.core.project import Project

log = logging.getLogger(__name__)

TITLES = {"issues": "Likely mislabels", "queue": "Labeling queue"}
CROSSFIT_TITLE = "Likely mislabels (cross-fitted)"


def title(source: Source, crossfit: bool = False) -> str:
    return CROSSFIT_TITLE if crossfit and source == "issues" else TITLES[source]


def finding_text(source: Source, crossfit: bool = False) -> str:
    """What the page and the job bar say while the list is computed, without the "…":
    "Finding likely mislabels", "Finding the images to label next" (it said "Finding
    labeling queue…", as if the queue were a thing to look for)."""
    if source == "queue":
        return "Finding the images to label next"
    name = title(source, crossfit)
    return f"Finding {name[0].lower()}{name[1:]}"


class ReviewJobs(QObject):
    """Runs the review's jobs on ``runner``; long ones are shown through ``track``."""

    loaded = Signal(object)  # ReviewList of the latest load
    loadFailed = Signal(object)  # str, or a FailureText: with the disk it found full
    refreshed = Signal(object)  # QueueRefresh: the model refit and the queue computed afresh
    refreshFailed = Signal(object)  # str, or a FailureText: with the disk it found full
    refreshCancelled = Signal()  # from the status bar's Cancel
    neighboursFound = Signal(object)  # list[NeighbourRow] for the latest request

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
        self.load_job: Job | None = None
        self.refresh_job: Job | None = None
        self.neighbour_job: Job | None = None
        self._closed = False

    @property
    def refreshing(self) -> bool:
        """A refresh runs for the pass on screen (one stopped as the page was left may
        still be finishing its step: a new pass does not wait for it)."""
        job = self.refresh_job
        return job is not None and job.running and not job.token.cancelled

    def load(
        self,
        source: Source,
        crossfit: bool = False,
        all_splits: bool = False,
        scope: ReviewScope | None = None,
    ) -> Job:
        """Compute the items for ``source`` (``crossfit``: on the cached cross-fit;
        ``all_splits``: a queue with val and test images too; ``scope``: only its images,
        with no estimate of the errors, the whole project's); a load still running is
        cancelled."""
        if self.load_job is not None and self.load_job.running:
            self.load_job.cancel()
        project = self.project

        def compute(*, progress: ProgressCallback, cancel: CancelToken) -> ReviewList:
            found = compute_items(
                project, source, crossfit=crossfit, all_splits=all_splits, cancel=cancel
            )
            if scope is None:
                return found
            # here, not on the GUI thread: at a million images the scope's set of paths
            # is about half a second's work
            return replace(found, items=scope.narrow(found.items), expected_errors=None)

        name = title(source, crossfit)
        job = Job(compute, name)
        # (tied to this object: the review view that owns it may be deleted first)
        job.connect_while(self, job.finished, lambda items: self._loaded(job, items))
        job.connect_while(self, job.failed, lambda exc: self._load_failed(job, job.describe(exc)))
        self.load_job = job
        self._start(job, finding_text(source, crossfit))
        return job

    def _loaded(self, job: Job, result: ReviewList) -> None:
        if not self._closed and job is self.load_job:
            self.loaded.emit(result)

    def _load_failed(self, job: Job, text: str) -> None:
        if not self._closed and job is self.load_job:
            self.loadFailed.emit(text)

    def refresh_queue(self, skipped: Collection[str] = (), all_splits: bool = False) -> Job | None:
        """Refit the model and recompute the queue (without ``skipped``; with val and test
        images when ``all_splits``), unless a refresh is already running."""
        if self.refreshing:
            return None
        project = self.project
        skipped = frozenset(skipped)

        def compute(*, progress: ProgressCallback, cancel: CancelToken) -> QueueRefresh:
            return refresh_queue_items(project, skipped, all_splits=all_splits, cancel=cancel)

        job = Job(compute, "Queue refresh")
        job.connect_while(self, job.finished, lambda result: self._refresh_ended(job, result))
        job.connect_while(
            self, job.failed, lambda exc: self._refresh_failed(job, job.describe(exc))
        )
        job.connect_while(self, job.cancelled, lambda: self._refresh_cancelled(job))
        self.refresh_job = job
        self._start(job, "Refreshing the labeling queue")
        return job

    def _refresh_over(self, job: Job) -> bool:
        """``job`` ended: True when it was the latest refresh (now none runs, for the
        slots the signal reaches) and the view still listens; a refresh stopped as the
        page was left may end after the next pass began one of its own."""
        if job is not self.refresh_job:
            return False
        self.refresh_job = None
        return not self._closed

    def _refresh_ended(self, job: Job, result: QueueRefresh) -> None:
        if self._refresh_over(job):
            self.refreshed.emit(result)

    def _refresh_failed(self, job: Job, text: str) -> None:
        if self._refresh_over(job):
            self.refreshFailed.emit(text)

    def _refresh_cancelled(self, job: Job) -> None:
        if self._refresh_over(job):
            self.refreshCancelled.emit()

    def cancel_neighbours(self) -> None:
        """Drop the running neighbour search: its image is no longer on screen."""
        if self.neighbour_job is not None:
            self.neighbour_job.cancel()
            self.neighbour_job = None

    def find_neighbours(self, path: str) -> Job:
        """Find the images most similar to ``path``; the previous search is cancelled."""
        project = self.project

        def find(*, progress: ProgressCallback, cancel: CancelToken) -> list[NeighbourRow]:
            return find_neighbours(project, path, cancel=cancel)

        if self.neighbour_job is not None:
            self.neighbour_job.cancel()
        job = Job(find, "Neighbours")
        job.connect_while(self, job.finished, lambda rows: self._neighbours_ended(job, rows))
        job.failed.connect(lambda exc: log.info("no neighbours for %s: %s", path, exc))
        self.neighbour_job = job
        self.runner.start(job)
        return job

    def _neighbours_ended(self, job: Job, rows: list[NeighbourRow]) -> None:
        if not self._closed and job is self.neighbour_job:
            self.neighboursFound.emit(rows)

    def _start(self, job: Job, title: str) -> None:
        if self.track is not None:
            self.track(job, title)
        self.runner.start(job)

    def stop(self, keeper: CancelToken | None = None) -> None:
        """Cancel every job (the page was left: their results are its alone); new ones
        may start when it is shown again. ``keeper``: wants the predictions they were
        computing (the browser's scores due: :meth:`InsightsFeed.keeper`), which go on
        for it (:func:`labeldesk.core.single_flight.hand_over`) while the jobs end."""
        for job in (self.load_job, self.refresh_job, self.neighbour_job):
            if job is not None and job.running:
                if keeper is not None:
                    hand_over(job.token, keeper)
                job.cancel()

    def shutdown(self) -> None:
        """Cancel every job and drop the results still to come."""
        self._closed = True
        self.stop()
