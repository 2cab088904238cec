"""The frame the Export and Import labels dialogs share: a dialog over one project whose
long job takes the project session's slot for exclusive jobs, or runs on a runner."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QPushButton, QWidget

from labeldesk.core.project import Project
from labeldesk.gui.workers import ExclusiveJobs, Job, JobRunner


class ProjectJobDialog(QDialog):
    """``exclusive``: the project session, whose slot the dialog's job takes (no scan,
    training or other export or import changes the project under it); without one the job
    runs on ``runner``, the dialog's own (one thread) when none is given."""

    def __init__(
        self,
        project: Project,
        parent: QWidget | None,
        runner: JobRunner | None,
        exclusive: ExclusiveJobs | None,
        *,
        title: str,
        min_width: int,
    ):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(min_width)
        self.project = project
        self._owns_runner = runner is None
        self.runner = runner or JobRunner(self, max_threads=1)
        self.exclusive = exclusive

    def blocker(self) -> str | None:
        """Why the dialog's job cannot start now (the session runs another), or None."""
        return None if self.exclusive is None else self.exclusive.blocker()

    def start_job(self, job: Job, title: str) -> None:
        """Start ``job``: in the session's exclusive slot (shown as ``title``), else on
        the runner."""
        if self.exclusive is not None:
            self.exclusive.start_exclusive(job, title)
        else:
            self.runner.start(job)

    @staticmethod
    def enter_presses(action: QPushButton, close: QPushButton, *, closes: bool) -> None:
        """Make Enter press ``action`` (Export, Import) or, once its work is done,
        ``close`` (``closes``), which then also takes the keyboard from ``action`` (just
        clicked: a focused button takes Enter itself)."""
        action.setDefault(not closes)
        close.setDefault(closes)
        if closes and action.hasFocus():
            close.setFocus()

    def shut_own_runner(self) -> None:
        """Stop the runner if the dialog made it (a shared one holds the window's jobs)."""
        if self._owns_runner:
            self.runner.shutdown()
