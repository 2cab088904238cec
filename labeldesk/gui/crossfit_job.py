"""Review → Cross-fit and review mislabels…: fine-tune the backbone out of fold (see
:mod:`labeldesk.ml.crossfit`), then review the likely mislabels it finds.

The fit trains the whole network twice, so the person chooses first: fit now, or review
the last fit again (it stays valid after label fixes; only new images need a new fit).
The fit runs in a child process (torch never stalls the GUI thread) in the session's
slot for exclusive jobs, with progress and Cancel in the status bar.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox, QWidget

from labeldesk.core.display import counted
from labeldesk.core.progress import CancelToken, ProgressCallback
from labeldesk.gui.workers import Job

if TYPE_CHECKING:
    from labeldesk.gui.review_mode import ReviewMode
    from labeldesk.gui.session import ProjectSession
    from labeldesk.gui.shell import Shell
    from labeldesk.ml.crossfit import FitSummary

EXPLAIN = (
    "Cross-fitting fine-tunes two copies of the backbone, each on half of the labeled "
    "images, and lets each embed the half it never saw. Errors between look-alike classes "
    "stand out more than with the frozen backbone.\n\n"
    "It trains the whole network twice: minutes on a GPU; on a 2-core CPU about 7 minutes "
    "per thousand images, more on a busy machine. You can keep working meanwhile; Cancel in "
    "the status bar stops it."
)


class CrossFitJobs(QObject):
    """Asks, runs the fit, then opens the review on it."""

    # Tests swap the child process for an in-process run with a tiny network.
    in_process = False

    def __init__(self, shell: Shell, review: ReviewMode, parent: QObject | None = None):
        super().__init__(parent)
        self.shell = shell
        self.review = review
        self.session: ProjectSession | None = None
        self.job: Job | None = None

    def open(self, session: ProjectSession) -> None:
        self.session = session

    def close(self) -> None:
        self.session = None

    def has_fit(self) -> bool:
        """Whether a fit of the current embeddings was saved (it may not cover images
        added since; the review then says so)."""
        from labeldesk.ml.crossfit import cache_file
        from labeldesk.ml.store import current_key

        if self.session is None:
            return False
        key = current_key(self.session.project)
        return key is not None and cache_file(self.session.project, key).is_file()

    def ask(self, parent: QWidget | None) -> None:
        """The menu command: explain, then fit now or review the last fit."""
        if self.session is None:
            return
        box = QMessageBox(parent)
        box.setWindowTitle("Cross-fit and review mislabels")
        box.setText(EXPLAIN)
        fit = box.addButton("Fit now", QMessageBox.ButtonRole.AcceptRole)
        last = box.addButton("Review the last fit", QMessageBox.ButtonRole.ActionRole)
        last.setEnabled(self.has_fit())
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(last if last.isEnabled() else fit)
        box.exec()
        if box.clickedButton() is fit:
            self.fit()
        elif box.clickedButton() is last:
            self.review.start("issues", crossfit=True)

    def fit(self) -> Job | None:
        """Fit in the background; when it ends, review the mislabels it finds."""
        session = self.session
        if session is None:
            return None
        path, project, in_process = session.project.path, session.project, self.in_process

        def run(*, progress: ProgressCallback, cancel: CancelToken) -> FitSummary:
            if in_process:
                from labeldesk.ml.crossfit import fit_project

                return fit_project(project, progress=progress, cancel=cancel)
            from labeldesk.ml.child_jobs import BACKBONE_IMPORTS, run_in_child

            fitted: FitSummary = run_in_child(
                "labeldesk.ml.crossfit:fit_project",
                path,
                progress=progress,
                cancel=cancel,
                all_cores=True,
                preload=BACKBONE_IMPORTS,
            )
            return fitted

        shell, name = self.shell, session.project.path.name
        job = Job(run, "Cross-fit")
        # (tied to this child of the window: a fit that ends after the window was closed
        # and deleted calls nothing on it)
        job.connect_while(self, job.finished, lambda fit: self._fitted(session, name, fit))
        job.connect_while(
            self,
            job.cancelled,
            lambda: shell.show_message("Cross-fit cancelled; nothing was saved"),
        )
        job.connect_while(self, job.failed, lambda exc: self._failed(shell, name, job, exc))
        if session.start_exclusive(job, "Cross-fitting the backbone") is None:
            return None
        self.job = job
        return job

    @staticmethod
    def _failed(shell: Shell, name: str, job: Job, exc: BaseException) -> None:
        said = job.describe(exc)
        shell.notify_error(said.reworded(f"{name}: {said}"))  # (with the disk it found full)

    def _fitted(self, session: ProjectSession, name: str, fit: FitSummary) -> None:
        """Open the review on the fit, unless the person moved on: another project is
        open now, or a review is in progress (its place is kept; the message says how to
        see the fit)."""
        from labeldesk.ml.embed_decode import CHANGED

        done = f"Cross-fit of {name} done on {fit.images:,} images"
        changed = [f for f in fit.failed if f["reason"] == CHANGED]
        unreadable = len(fit.failed) - len(changed)
        if unreadable:
            verb = "is" if unreadable == 1 else "are"
            done += f"; {counted(unreadable, 'unreadable image')} {verb} not judged"
        if changed:  # their labels were given to the pictures the scan saw
            verb = "is" if len(changed) == 1 else "are"
            done += (
                f"; {counted(len(changed), 'image')} changed since the last scan {verb} not "
                f"judged ({changed[0]['path']}…: use File → Rescan folder, then fit again)"
            )
        later = "Review → Cross-fit and review mislabels… → Review the last fit"
        if self.session is not session:
            self.shell.show_message(f"{done}. Open {name} again and choose {later}.")
        elif self.review.active:
            self.shell.show_message(f"{done}. To see it: {later}.")
        else:
            self.shell.show_message(done)
            self.review.start("issues", crossfit=True)
