"""The main window's long jobs on the open project: indexing a new project, rescanning,
and computing embeddings. One of them runs at a time (training counts too); each shows
progress, ETA and Cancel in the status bar and ends with one readable message.

A project created in the app opens at once, empty; its images are indexed in the
background while the browser fills in, and then (unless switched off in the settings)
its embeddings are computed, so the model-based views light up without another step.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from labeldesk.core.create import create_empty
from labeldesk.core.errors import LabelDeskError
from labeldesk.core.progress import CancelToken, ProgressCallback
from labeldesk.gui import settings
from labeldesk.gui.workers import Job

if TYPE_CHECKING:
    from labeldesk.core.scanner import ScanCounts
    from labeldesk.gui.main_window import MainWindow
    from labeldesk.ml.embed import EmbedReport

FILL_IN_MS = 1000  # how often the browser re-reads the images while a new project indexes


class ProjectJobs(QObject):
    # Embeddings are computed in a child process (torch never stalls the GUI thread);
    # tests that swap in a stand-in network embed in-process instead.
    embed_in_process = False

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.window = window
        self.scan_job: Job | None = None
        self.embed_job: Job | None = None
        self.create_job: Job | None = None
        self._fill_timer = QTimer(self, singleShot=True, interval=FILL_IN_MS)
        self._fill_timer.timeout.connect(self._fill_in)

    @property
    def busy(self) -> bool:
        """A job that works on the open project is running (one at a time)."""
        jobs = (self.scan_job, self.embed_job, self.window.pages.training_job)
        return any(j is not None and j.running for j in jobs)

    def running(self) -> list[Job]:
        return [j for j in (self.scan_job, self.embed_job) if j is not None and j.running]

    # -- indexing --------------------------------------------------------------------
    def create_project(self, images: Path, target: Path) -> Job | None:
        """Make an empty project at ``target`` for ``images``, open it, and index it in
        the background (then embed it). None when the project cannot be made."""
        window = self.window
        try:
            path = create_empty(target, images)
        except LabelDeskError as exc:
            window.notify_error(f"Cannot create a project at {target}: {exc}")
            return None
        if not window.open_project(path):
            return None
        job = self._scan(f"Indexing {Path(images).name}", new=True)
        self.create_job = job
        return job

    def rescan(self) -> Job | None:
        """Re-index the image folder in the background; the grid reloads afterwards."""
        if self.window.project is None or self.busy:
            return None
        return self._scan("Rescanning", new=False)

    def _scan(self, title: str, *, new: bool) -> Job:
        project = self.window.project
        assert project is not None

        def scan(*, progress: ProgressCallback, cancel: CancelToken) -> ScanCounts:
            return project.scan(progress=progress, cancel=cancel)

        window = self.window
        job = Job(scan, "Index" if new else "Rescan")
        if new:  # the browser fills in as images arrive
            job.progress.connect(lambda *_: self._fill_soon())
        job.finished.connect(lambda counts: self._scan_finished(counts, new))
        job.cancelled.connect(self._scan_cancelled)
        job.failed.connect(window.notify_error)
        job.ended.connect(window.update_actions)
        if new and settings.embed_new_projects():
            job.ended.connect(lambda: self._embed_after(job))
        window.job_widget.track(job, title)
        self.scan_job = window.runner.start(job)
        window.update_actions()
        return job

    def _fill_soon(self) -> None:
        if not self._fill_timer.isActive():
            self._fill_timer.start()

    def _fill_in(self) -> None:
        if self.window.view is not None and self.scan_job is not None and self.scan_job.running:
            self.window.view.fill_in()

    def _scan_finished(self, counts: ScanCounts, new: bool) -> None:
        self._fill_timer.stop()
        view = self.window.view
        unusable = 0
        if view is not None:
            view.reload()
            unusable = len(view.catalog) - view.catalog.usable_count()
        skipped = f", {unusable} unreadable (see Statistics)" if unusable else ""
        if new:
            self.window.show_message(f"Indexed {counts.added} images{skipped}")
        else:
            self.window.show_message(
                f"Rescan done: {counts.added} added, {counts.removed} removed, "
                f"{counts.changed} changed, {counts.moved} moved{skipped}"
            )

    def _scan_cancelled(self) -> None:
        self._fill_timer.stop()
        if self.window.view is not None:
            self.window.view.reload()  # what was scanned before the cancel is kept
        self.window.show_message(
            "Indexing cancelled; the images indexed so far are kept (File → Rescan continues)"
        )

    def _embed_after(self, job: Job) -> None:
        if job.result is not None and not job.token.cancelled and self.window.view is not None:
            self.compute_embeddings()

    # -- embeddings ------------------------------------------------------------------
    def compute_embeddings(self) -> Job | None:
        """Embed every image that has no vector yet, in the background (resumable)."""
        window = self.window
        if window.project is None or self.busy:
            return None
        project = window.project

        in_process = self.embed_in_process

        def embed(*, progress: ProgressCallback, cancel: CancelToken) -> EmbedReport:
            if in_process:
                from labeldesk.ml.embed import embed_project

                return embed_project(project, progress=progress, cancel=cancel)
            from labeldesk.ml.child_jobs import embed_in_child

            return embed_in_child(project.path, progress=progress, cancel=cancel)

        job = Job(embed, "Embeddings")
        job.ended.connect(window.refresh_insights)  # cancelled batches are kept: use them
        job.finished.connect(
            lambda r: window.show_message(
                f"Embeddings ready: {r.embedded} computed ({r.images_per_s:.0f} img/s) "
                f"on {r.device}" + (f", {len(r.failed)} unreadable" if r.failed else "")
            )
        )
        job.cancelled.connect(
            lambda: window.show_message("Embedding cancelled; finished batches are kept")
        )
        job.failed.connect(window.notify_error)
        job.ended.connect(window.update_actions)
        window.job_widget.track(job, "Computing embeddings")
        self.embed_job = window.runner.start(job)
        window.update_actions()
        return job
