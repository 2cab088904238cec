"""The frame the Export and Import labels dialogs share: a dialog over one project whose
long job takes the project session's slot for exclusive jobs, or runs on a runner, and
whose failure on a full disk also goes to the window's full-disk notice (``diskFull``)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QPushButton, QWidget

from labeldesk.core.failures import says_disk_full
from labeldesk.core.project import Project
from labeldesk.gui.full_disk import FailureText
from labeldesk.gui.workers import ExclusiveJobs, Job, JobRunner

ERROR_STYLE = "color: #d0342c;"  # the form's line for its failed job ("Export failed: …")


class ProjectJobDialog(QDialog):
    """``exclusive``: the project session, whose slot the dialog's job takes (no scan,
    training or other export or import changes the project under it); without one the job
    runs on ``runner``, the dialog's own (one thread) when none is given."""

    # A failure that found a disk full (a FailureText, "Import failed: …", with the disk),
    # for the window's full-disk notice, which watches that disk and says when there is
    # room again; the form's own line alone started no watch (as the other jobs' do)
    diskFull = Signal(object)

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
    def failed_words(what: str, failure: FailureText) -> str:
        """The form's line for its failed job, as the window's notice says it too:
        "Export failed: …", "Import failed: …"."""
        return f"{what} failed: {failure!s}"

    def tell_if_disk_full(self, failure: FailureText, text: str) -> None:
        """Hand ``text`` (the form's words for ``failure``) to the window's notice through
        ``diskFull``, with ``failure``'s disk, when the failure found a disk full."""
        if failure.disk is not None or says_disk_full(failure):
            self.diskFull.emit(failure.reworded(text))

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
