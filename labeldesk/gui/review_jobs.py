"""The review view's background work: compute the items, refresh the queue, find neighbours.

Each kind of work keeps only its latest job: a newer request cancels the older one, and
results of a superseded job, or of any job after :meth:`ReviewJobs.shutdown`, are dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from labeldesk.core.progress import CancelToken, ProgressCallback
from labeldesk.gui.neighbour_strip import NeighbourRow, find_neighbours
from labeldesk.gui.review_session import (
    QUEUE_SIZE,
    ReviewItem,
    ReviewList,
    Source,
    items_from_queue,
)
from labeldesk.gui.workers import Job, JobRunner, Tracker

if TYPE_CHECKING:
    from labeldesk.core.project import Project
    from labeldesk.ml.predictions import Predictions

log = logging.getLogger(__name__)

TITLES = {"issues": "Likely mislabels", "queue": "Labeling queue"}
NO_EMBEDDINGS = (
    "This project has no embeddings yet, so there is nothing to review. "
    "Run Tools → Compute embeddings first, then try again."
)


def compute_items(
    project: Project,
    source: Source,
    skipped: Collection[str] = (),
    preds: Predictions | None = None,
) -> ReviewList:
    """The items to review for ``source``; without embeddings, a message that says why.
    The queue leaves out ``skipped`` (unlabeled images the person passed over) and still
    holds up to QUEUE_SIZE others. ``preds``: the project's current predictions, when the
    caller has them already."""
    from labeldesk.ml.errors import NoEmbeddings
    from labeldesk.ml.predictions import project_predictions

    try:
        preds = preds or project_predictions(project)
        if source == "issues":
            return issue_items(preds)
        from labeldesk.ml.queue import labeling_queue

        queue = labeling_queue(project, n=QUEUE_SIZE + len(skipped))
        row_of = {path: row for row, path in enumerate(preds.paths)}
        confidence = {
            r["path"]: float(preds.confidence[row_of[r["path"]]])
            for r in queue
            if r["path"] in row_of and r.get("predicted") is not None
        }
        items = items_from_queue(queue, confidence)
        return ReviewList([item for item in items if item.path not in skipped])
    except NoEmbeddings as exc:
        raise NoEmbeddings(NO_EMBEDDINGS) from exc


def issue_items(preds: Predictions) -> ReviewList:
    """The flagged labels, lowest score first (as :func:`labeldesk.ml.issues.label_issues`
    lists them), each with what the model thinks the image is and how sure it is."""
    from labeldesk.ml.insights import model_guesses
    from labeldesk.ml.issues import ranked_issues, score_labels

    scored = score_labels(preds)
    _, confidence = model_guesses(preds, scored)
    items = [
        ReviewItem(
            path=issue.path,
            label=issue.label,
            suggested=issue.suggested,
            score=issue.score,
            confidence=float(confidence[row]),
        )
        for row, issue in ranked_issues(preds, scored)
    ]
    return ReviewList(items, int(scored.expected_errors))


@dataclass(frozen=True)
class QueueRefresh:
    items: list[ReviewItem]
    fitted_on: int  # labels the model was refit on before the queue was recomputed


def refresh_queue_items(project: Project, skipped: Collection[str] = ()) -> QueueRefresh:
    """Refit the model on the current labels, then compute the queue from its predictions.

    The predictions are cached by label state, so the queue computation reuses this fit.
    """
    from labeldesk.ml.errors import NoEmbeddings
    from labeldesk.ml.predictions import project_predictions, training_mask

    try:
        preds = project_predictions(project)
    except NoEmbeddings as exc:
        raise NoEmbeddings(NO_EMBEDDINGS) from exc
    fitted_on = int(training_mask(preds.labels, preds.splits, preds.statuses).sum())
    return QueueRefresh(compute_items(project, "queue", skipped, preds).items, fitted_on)


class ReviewJobs(QObject):
    """Runs the review's jobs on ``runner``; long ones are shown through ``track``."""

    loaded = Signal(object)  # ReviewList of the latest load
    loadFailed = Signal(str)
    refreshed = Signal(object)  # QueueRefresh: the model refit and the queue computed afresh
    refreshFailed = Signal(str)
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
        return self.refresh_job is not None and self.refresh_job.running

    def load(self, source: Source) -> Job:
        """Compute the items for ``source``; a load still running is cancelled."""
        if self.load_job is not None and self.load_job.running:
            self.load_job.cancel()
        project = self.project

        def compute(*, progress: ProgressCallback, cancel: CancelToken) -> ReviewList:
            return compute_items(project, source)

        job = Job(compute, TITLES[source])
        job.finished.connect(lambda items: self._loaded(job, items))
        job.failed.connect(lambda text: self._load_failed(job, text))
        self.load_job = job
        self._start(job, f"Finding {TITLES[source].lower()}")
        return job

    def _loaded(self, job: Job, result: ReviewList) -> None:
        if not self._closed and job is self.load_job:
            self.loaded.emit(result)

    def _load_failed(self, job: Job, text: str) -> None:
        if not self._closed and job is self.load_job:
            self.loadFailed.emit(text)

    def refresh_queue(self, skipped: Collection[str] = ()) -> Job | None:
        """Refit the model and recompute the queue (without ``skipped``), unless a refresh
        is already running."""
        if self.refreshing:
            return None
        project = self.project
        skipped = frozenset(skipped)

        def compute(*, progress: ProgressCallback, cancel: CancelToken) -> QueueRefresh:
            return refresh_queue_items(project, skipped)

        job = Job(compute, "Queue refresh")
        job.finished.connect(self._refresh_ended)
        job.failed.connect(self._refresh_failed)
        job.cancelled.connect(self._refresh_cancelled)
        self.refresh_job = job
        self._start(job, "Refreshing the labeling queue")
        return job

    def _refresh_ended(self, result: QueueRefresh) -> None:
        self.refresh_job = None  # not refreshing any more, for the slots below
        if not self._closed:
            self.refreshed.emit(result)

    def _refresh_failed(self, text: str) -> None:
        self.refresh_job = None
        if not self._closed:
            self.refreshFailed.emit(text)

    def _refresh_cancelled(self) -> None:
        self.refresh_job = None
        if not self._closed:
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
        job.finished.connect(lambda rows: self._neighbours_ended(job, rows))
        job.failed.connect(lambda text: log.info("no neighbours for %s: %s", path, text))
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

    def shutdown(self) -> None:
        """Cancel every job and drop the results still to come."""
        self._closed = True
        for job in (self.load_job, self.refresh_job, self.neighbour_job):
            if job is not None:
                job.cancel()
