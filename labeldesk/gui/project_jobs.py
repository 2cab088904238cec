"""The long jobs on the open project: indexing a new project, rescanning, and computing
embeddings. Each takes the session's slot for exclusive jobs (one at a time, training
and export included), shows progress, ETA and Cancel in the status bar and ends with one
readable message; the browser follows the scan's changes through the session.

A project created in the app opens at once, empty; its images are indexed in the
background while the browser fills in, and then (unless switched off in the settings)
its embeddings are computed, so the model-based views light up without another step.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from labeldesk.core.display import counted
from labeldesk.core.progress import CancelToken, Progress, ProgressCallback
from labeldesk.gui import settings
from labeldesk.gui.cluster_dialog import cluster_choice
from labeldesk.gui.workers import Job

if TYPE_CHECKING:
    from labeldesk.core.scanner import ScanCounts
    from labeldesk.gui.session import ProjectSession
    from labeldesk.gui.shell import Shell
    from labeldesk.ml.embed import EmbedReport

FILL_IN_MS = 1000  # how often the browser re-reads the images while a new project indexes


class ProjectJobs(QObject):
    # Embeddings are computed in a child process (torch never stalls the GUI thread);
    # tests that swap in a stand-in network embed in-process instead.
    embed_in_process = False

    def __init__(self, shell: Shell, parent: QObject | None = None):
        super().__init__(parent)
        self.shell = shell
        self.session: ProjectSession | None = None
        self.scan_job: Job | None = None
        self.embed_job: Job | None = None
        self.create_job: Job | None = None
        self._fill_timer = QTimer(self, singleShot=True, interval=FILL_IN_MS)
        self._fill_timer.timeout.connect(self._fill_in)

    def open(self, session: ProjectSession) -> None:
        self.session = session

    def close(self) -> None:
        self._fill_timer.stop()
        self.session = None

    # -- indexing --------------------------------------------------------------------
    def index_new(self, images: Path) -> Job | None:
        """Index the just-created, just-opened project in the background (then embed it);
        the browser fills in as images arrive."""
        job = self._scan(f"Indexing {Path(images).name}", new=True)
        self.create_job = job
        return job

    def rescan(self) -> Job | None:
        """Re-index the image folder in the background; the grid follows the scan's
        changes (re-read in the background, keeping its place)."""
        return self._scan("Rescanning", new=False)

    def _scan(self, title: str, *, new: bool) -> Job | None:
        session = self.session
        if session is None:
            return None
        project = session.project

        unusable: list[int] = []  # counted in the worker: a SELECT the GUI need not wait for

        def scan(*, progress: ProgressCallback, cancel: CancelToken) -> ScanCounts:
            counts = project.scan(progress=progress, cancel=cancel)
            unusable.append(project.unusable_count())
            return counts

        shell = self.shell
        job = Job(scan, "Index" if new else "Rescan")
        if new:  # the browser fills in as images arrive
            job.connect_while(self, job.progress, lambda *_: self._fill_soon())
        # (handlers tied to this child of the window: a job whose last signals come after
        # the window was deleted calls nothing on it)
        job.connect_while(
            self, job.finished, lambda counts: self._scan_finished(counts, unusable[0], new=new)
        )
        job.cancelled.connect(self._scan_cancelled)
        job.connect_while(self, job.failed, lambda exc: shell.notify_error(job.describe(exc)))
        if new and settings.embed_new_projects():
            job.connect_while(self, job.ended, lambda: self._embed_after(job))
        if session.start_exclusive(job, title) is None:
            return None
        self.scan_job = job
        return job

    def _fill_soon(self) -> None:
        if not self._fill_timer.isActive():
            self._fill_timer.start()

    def _fill_in(self) -> None:
        view = self.shell.view
        if view is not None and self.scan_job is not None and self.scan_job.running:
            view.fill_in()

    def _scan_finished(self, counts: ScanCounts, unusable: int, *, new: bool) -> None:
        self._fill_timer.stop()
        skipped = f", {unusable} unreadable (see Statistics)" if unusable else ""
        if new:
            self.shell.show_message(f"Indexed {counted(counts.added, 'image')}{skipped}")
        else:
            self.shell.show_message(
                f"Rescan done: {counts.added} added, {counts.removed} removed, "
                f"{counts.changed} changed, {counts.moved} moved{skipped}"
            )
        if counts.emptied and self.session is not None:  # a drive not mounted?
            from labeldesk.core.scanner import nothing_found

            self.shell.notify_error(nothing_found(self.session.project, counts.emptied))

    def _scan_cancelled(self) -> None:
        self._fill_timer.stop()
        self.shell.show_message(
            "Indexing cancelled; the images indexed so far are kept (File → Rescan continues)"
        )

    def _embed_after(self, job: Job) -> None:
        if job.result is not None and not job.token.cancelled and self.session is not None:
            self.compute_embeddings()

    # -- embeddings ------------------------------------------------------------------
    def compute_embeddings(self) -> Job | None:
        """Embed every image that has no vector yet, in the background (resumable)."""
        session = self.session
        if session is None:
            return None
        project = session.project
        in_process = self.embed_in_process
        cluster = cluster_choice()  # Tools → Embed on a Ray cluster…, if switched on
        held_back: list[int] = []  # the fine-tune whose switch unreadable images held back
        heads: list[str] = []  # the cluster's head as reached (``auto`` resolved), once known

        def where() -> str | None:
            if cluster is None:
                return None
            return _cluster_text(cluster.address, heads[0] if heads else None)

        def found_head(head: object) -> None:  # on the job's thread
            if head and not heads:
                heads.append(str(head))
                job.retitled.emit(f"Computing embeddings on {where()}")

        def embed(*, progress: ProgressCallback, cancel: CancelToken) -> EmbedReport:
            from labeldesk.ml.unfinished import unfinished_embeddings

            finishing = unfinished_embeddings(project, count=False)
            report = run(progress=progress, cancel=cancel)
            found_head(getattr(report, "head", None))
            # Finishing a fine-tune's embeddings, images it could not read left the
            # project on the embeddings it had (they hold those images): say why.
            if finishing is not None and report.failed and not report.cancelled:
                still = unfinished_embeddings(project, count=False)
                if still is not None:
                    held_back.append(still.version)
            return report

        def run(*, progress: ProgressCallback, cancel: CancelToken) -> EmbedReport:
            from labeldesk.ml.embed import nothing_to_embed
            from labeldesk.ml.input_size import choose_model_spec

            # Every image has a vector already: say so now, with no model loaded (seconds
            # in a child process or on the cluster, for nothing).
            done = nothing_to_embed(project, choose_model_spec(project))
            if done is not None:
                return done
            if cluster is not None:  # a Ray driver in a child: the GUI never waits on it
                from labeldesk.ml.child_jobs import run_in_child

                target = "labeldesk.ml.ray_embed:embed_on_ray"
                kwargs = cluster.kwargs()

                def relay(update: Progress) -> None:
                    found_head((update.data or {}).get("head"))
                    progress(update)

                return run_in_child(target, project.path, progress=relay, cancel=cancel, **kwargs)
            if in_process:
                from labeldesk.ml.embed import embed_project

                return embed_project(project, progress=progress, cancel=cancel)
            from labeldesk.ml.child_jobs import embed_in_child

            return embed_in_child(project.path, progress=progress, cancel=cancel)

        shell = self.shell
        job = Job(embed, "Embeddings")
        job.connect_while(self, job.ended, lambda: self._embed_ended(job))  # (see _scan)
        job.connect_while(
            self,
            job.finished,
            lambda r: shell.show_message(
                r.up_to_date_text()
                if r.up_to_date
                else _held_back_text(r, held_back[0])
                if held_back
                else f"Embeddings ready: {r.embedded} computed ({r.images_per_s:.0f} img/s) "
                f"at {r.input_size} px on {where() or r.device}"
                + (f", {len(r.failed)} unreadable" if r.failed else "")
                + _decode_limited_text(r)
                + _cluster_news_text(r)
            ),
        )
        job.connect_while(
            self, job.cancelled, lambda: shell.show_message(_embed_cancelled_text(job, where()))
        )
        job.connect_while(self, job.failed, lambda exc: self._embed_failed(job, exc))
        title = "Computing embeddings" + (f" on {where()}" if cluster is not None else "")
        if session.start_exclusive(job, title) is None:
            return None
        shell.show_message("")  # a "no embeddings yet" said before is no longer news
        self.embed_job = job
        if shell.view is not None:  # its Model line: being embedded, not "run Ctrl+E"
            shell.view.set_embedding(True)
        return job

    def _embed_failed(self, job: Job, exc: BaseException) -> None:
        """Say why embedding failed; when the images changed since the last scan
        (ScanNeeded, also from the child process or the cluster), the notice's button
        rescans the folder: the fix it names, one click away."""
        from labeldesk.core.errors import ScanNeeded

        if isinstance(exc, ScanNeeded):
            self.shell.notify_error(job.describe(exc), fix=(RESCAN_WORDS, self.rescan))
        else:
            self.shell.notify_error(job.describe(exc))

    def _embed_ended(self, job: Job) -> None:
        """Rescore with the new vectors (cancelled batches are kept: use them too); a run
        that found every image embedded changed nothing to rescore."""
        view = self.shell.view
        report = job.result
        if report is not None and report.up_to_date:
            if view is not None:
                view.set_embedding(False)
            return
        if view is not None:  # (refreshed first: its images are being scored, not "run it")
            view.feed.refresh()
            view.embedding_ended(stopped=report is None or report.cancelled)


RESCAN_WORDS = "Rescan folder"  # the notice's button (File → Rescan folder)
# Compute embeddings cancelled while it built the search index: the CLI's words
# (labeldesk.ml.embed.INDEX_INTERRUPTED), with the app's own commands in them
INDEX_UNSAVED = (
    "every embedding is kept; the search index for similar images was not saved (the "
    "next Compute embeddings or the first More like this builds it)"
)


def _held_back_text(report: EmbedReport, version: int) -> str:
    """The end of a run that could not finish fine-tuned model ``version``'s embeddings
    for images it could not read: the project keeps the ones it had, which hold them
    (``labeldesk embed`` says the same). Short: the status bar cuts a longer line."""
    return (
        f"Fine-tuned model #{version}'s embeddings are not used yet (the project keeps the "
        f"ones it had): {counted(len(report.failed), 'image')} could not be read; make them "
        "readable (or File → Rescan folder if gone), then Compute embeddings again"
    )


def _cluster_text(address: str, head: str | None) -> str:
    """Where a cluster job runs: for the address ``auto``, the head Ray found once it is
    known (as ``labeldesk embed --ray auto`` says it)."""
    if head is None or head == address:
        return f"the Ray cluster at {address}"
    return f"the Ray cluster at {head} (found by the address {address})"


def _embed_cancelled_text(job: Job, cluster: str | None) -> str:
    """A cluster job cancelled while it started has no report: nothing was written. One
    cancelled while it built the similar-image search's index kept every embedding but
    saved no index (as `labeldesk embed` says after Ctrl+C then)."""
    if cluster is not None and job.result is None:
        return f"Embedding cancelled while it was starting on {cluster}; nothing was written"
    if getattr(job.result, "index_unsaved", False):
        return f"Embedding cancelled; {INDEX_UNSAVED}"
    return "Embedding cancelled; finished batches are kept"


def _cluster_news_text(report: EmbedReport) -> str:
    """After a Ray cluster job, what `labeldesk embed --ray` says below its summary: the
    cluster's notices (a worker that died, the autoscaler's events) and where the time
    went (the workers starting, then the rate). The status bar shows the start of a long
    message and the whole of it as its tooltip."""
    parts = [f"note: {line}" for line in getattr(report, "notices", None) or []]
    timing = getattr(report, "timing", None)
    if timing is not None:
        parts.append(timing.text())
    return "".join(f"; {part}" for part in parts)


def _decode_limited_text(report: EmbedReport) -> str:
    share = report.decode_limited()
    return "" if share is None else f"; decoding limited it (the model waited {share:.0%})"
