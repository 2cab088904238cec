"""The main window: opening and closing projects, and switching between the start page
and the open project.

An open project is a :class:`ProjectSession` (the project, its jobs, the one exclusive
job slot, its writes as signals); the window shows it and little else: browsing and
labeling live in :class:`ProjectView`, menus in :mod:`labeldesk.gui.menus`, indexing and
embedding jobs in :class:`ProjectJobs`, the other pages in :class:`ProjectPages`. Those
get the session and the window as a :class:`~labeldesk.gui.shell.Shell`, not the window.
What the menus' commands do is :mod:`labeldesk.gui.window_commands`'s, the status line
and the notices :mod:`labeldesk.gui.window_notices`'s, the window's place on screen
:mod:`labeldesk.gui.window_place`'s.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QFileDialog, QStackedWidget

from labeldesk.core.create import create_empty
from labeldesk.core.errors import LabelDeskError
from labeldesk.core.failures import damaged_database, is_damage
from labeldesk.core.project import Project, open_project
from labeldesk.core.read_only_db import DamagedReason
from labeldesk.gui import settings
from labeldesk.gui.crossfit_job import CrossFitJobs
from labeldesk.gui.damage_check import check_job, needs_check
from labeldesk.gui.dialogs import NewProjectDialog
from labeldesk.gui.elided_label import ElidedLabel
from labeldesk.gui.focus_ring import FocusRings
from labeldesk.gui.full_disk import FullDiskNotice, said
from labeldesk.gui.icons import app_icon
from labeldesk.gui.job_progress import JobProgressWidget
from labeldesk.gui.menus import MainMenus
from labeldesk.gui.pages import ProjectPages
from labeldesk.gui.project_jobs import ProjectJobs
from labeldesk.gui.project_view import ProjectView
from labeldesk.gui.review_mode import ReviewMode
from labeldesk.gui.session import ProjectSession
from labeldesk.gui.shell import StackedPages
from labeldesk.gui.start_page import StartPage
from labeldesk.gui.status_bar import ElidingStatusBar
from labeldesk.gui.window_commands import MenuCommands
from labeldesk.gui.window_notices import READ_ONLY_NOTE, NoticesWindow, read_only_note
from labeldesk.gui.window_place import place_window, save_place
from labeldesk.gui.workers import Job, JobRunner

log = logging.getLogger(__name__)


class MainWindow(StackedPages, MenuCommands, NoticesWindow):
    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("LabelDesk")
        self.setWindowIcon(app_icon())
        self.session: ProjectSession | None = None
        self._view: ProjectView | None = None
        self.pages = ProjectPages(self)
        self.runner = JobRunner(self)  # the open project's jobs run here (see the session)
        self.jobs = ProjectJobs(self, parent=self)
        # the damage check before an open (see open_project): a pool of its own, so that
        # closing a project (which waits for its jobs) never waits on it
        self._check_runner = JobRunner(self, max_threads=1)
        self._checking: Job | None = None  # the check the next open waits for

        self.stack = QStackedWidget()
        self.start_page = StartPage()
        self.start_page.openRequested.connect(self.prompt_open_project)
        self.start_page.newRequested.connect(self.prompt_new_project)
        self.start_page.recentChosen.connect(self.open_project)
        self.start_page.projectDropped.connect(self.open_project)
        self.start_page.folderDropped.connect(
            lambda images: NewProjectDialog.prompt(self, self.create_project, images=images)
        )
        self.stack.addWidget(self.start_page)
        self.setCentralWidget(self.stack)
        self.stack.currentChanged.connect(lambda _index: self._show_counts())

        status = ElidingStatusBar(self)
        self.setStatusBar(status)
        self.counts_label = ElidedLabel()  # never makes the window wider than the screen
        self.job_widget = JobProgressWidget()
        status.addPermanentWidget(self.job_widget)
        status.add_yielding_widget(self.counts_label)  # a moment, for a long message
        self.review = ReviewMode(self, parent=self)
        self.crossfit = CrossFitJobs(self, self.review, parent=self)
        self.menus = MainMenus(self, self)
        self.focus_rings = FocusRings(self)  # the focused view shows it, in every window
        self.full_disk = FullDiskNotice(self)  # one notice for one full disk
        place_window(self)
        self.update_actions()

    # -- projects ------------------------------------------------------------------
    def open_initial(self, path: Path | None) -> None:
        """Open ``path``; without one, reopen the last project if it still exists."""
        if path is not None:
            self.open_project(Path(path))
            return
        last = settings.last_project()
        if last is not None and not self.open_project(last, quiet=True):
            log.info("could not reopen %s; showing the start page", last)

    def open_project(self, path: Path, quiet: bool = False, *, found_damaged: bool = False) -> bool:
        """Open the project at ``path``, replacing the current one. False on failure.
        ``found_damaged``: it is reopened because damage was met while it was open.

        A project found damaged before whose file must be checked again (see
        :mod:`labeldesk.gui.damage_check`) is checked first, off the GUI thread, the job
        bar saying so; it opens when the check ends (True: the open is under way)."""
        self._checking = None  # an open asked for since replaces the one a check holds
        if needs_check(Path(path)):
            return self._check_then_open(Path(path), quiet, found_damaged)
        return self._open_now(path, quiet, found_damaged)

    @property
    def checking(self) -> bool:
        """Whether an open waits for its damage check (see :meth:`open_project`)."""
        return self._checking is not None

    def _check_then_open(self, path: Path, quiet: bool, found_damaged: bool) -> bool:
        job = check_job(path)
        self._checking = job

        def ended() -> None:
            if self._checking is not job:  # another open, or the window closing, since
                return
            self._checking = None
            if job.token.cancelled:
                self.show_message(f"Did not open {path}: its check was cancelled")
                return
            # its verdict: not checked again (a check that failed runs again in the open,
            # which says why; a sound file, the note gone, opens as any other)
            verdict = job.result if isinstance(job.result, DamagedReason) else None
            self._open_now(path, quiet, found_damaged, verdict)

        job.ended.connect(ended)
        self.job_widget.track(job, f"Checking {path.name} (found damaged before)")
        self.show_message(
            f"Checking {path} before opening it: LabelDesk found its database damaged "
            "before (a note beside it says so), so the whole file is read first"
        )
        self._check_runner.start(job)
        return True

    def _open_now(
        self, path: Path, quiet: bool, found_damaged: bool, checked: DamagedReason | None = None
    ) -> bool:
        try:
            project = open_project(path, checked)
        except LabelDeskError as exc:
            self.notify_error(said(f"Cannot open {path}: {exc}", exc), dialog=not quiet)
            if quiet:
                settings.remove_recent_project(path)
            self.start_page.refresh()
            return False
        self.close_project()
        session = ProjectSession(project, runner=self.runner, track=self.job_widget.track)
        session.busyChanged.connect(lambda _: self.update_actions())
        session.modelsChanged.connect(self.update_actions)  # (a terminal's `embed`)
        session.refused.connect(self.show_message)
        # after the slot that met it (a key's write): the view it closes is still in use
        session.damaged.connect(
            lambda: self._reopen_damaged(project), Qt.ConnectionType.QueuedConnection
        )
        self.session = session
        try:
            view = ProjectView(project, runner=session.runner, track=session.track, session=session)
        except sqlite3.DatabaseError as exc:  # the images' own rows unreadable: no grid
            if not is_damage(exc):
                raise
            self.session = None
            session.close()
            reason = damaged_database("its database labeldesk.db", str(exc))
            self.notify_error(f"Cannot open {path}: {reason}", dialog=not quiet)
            self.start_page.refresh()
            self.update_actions()
            return False
        view.statusChanged.connect(lambda _text: self._show_counts())
        view.message.connect(self.show_message)
        view.error.connect(self.notify_error)
        view.restore_state()
        view.refresh_counts()
        self._view = view
        self.stack.addWidget(view)
        self.pages.open(session)
        self.jobs.open(session)
        self.review.open(session)
        self.crossfit.open(session)
        self.stack.setCurrentWidget(view)
        view.grid.setFocus()
        settings.add_recent_project(project.path)
        read_only = project.read_only is not None
        shown = f"{project.path.name} (read-only)" if read_only else project.path.name
        self.setWindowTitle(f"{shown} — LabelDesk")
        self.menus.project_opened(view)
        view.sidebar.add_class_button.setEnabled(not read_only)
        view.sidebar.reviewRequested.connect(self.review_issues)
        self.update_actions()
        if isinstance(project.read_only, DamagedReason):  # a notice: not to be missed
            opened = "Reopened" if found_damaged else "Opened"
            self.notify_error(
                f"{opened} {project.path} read-only: {read_only_note(project.read_only)}"
            )
        elif project.read_only is not None:
            self.show_message(f"Opened {project.path} read-only: {READ_ONLY_NOTE}")
        else:
            self.show_message(f"Opened {project.path} ({project.root})")
        return True

    def _reopen_damaged(self, damaged: Project) -> None:
        """Damage was met in the open project's database: reopen it, so that the window
        is read-only exactly as on any later open (its title, greyed writing actions,
        the counts line, the review's banner) and says why in one notice, instead of an
        error for each key that tries to write. Not for ``damaged`` closed since (the
        notice is queued): another project opened meanwhile stays as it is."""
        if self.project is not damaged or damaged.read_only is not None:
            return
        log.info("damage met in %s while open: reopening it read-only", damaged.path)
        # Closed first: with its session gone, a reopen that fails says why in a notice
        # (the damage its session told holds back each error's notice, see notify_error).
        self.close_project()
        self.open_project(damaged.path, found_damaged=True)

    def close_project(self) -> None:
        """Stop the pages and views, then the session: it cancels and waits for every
        job of the project, and closes it."""
        self.review.close()
        self.crossfit.close()
        self.pages.close()
        self.jobs.close()
        view = self._view
        if view is not None:
            self.menus.project_closed()
            view.shutdown()
            self.stack.removeWidget(view)
            view.deleteLater()
            self._view = None
        if self.session is not None:
            self.session.close()
            self.session = None
        self.counts_label.clear()
        self.statusBar().clearMessage()
        self.setWindowTitle("LabelDesk")
        self.start_page.refresh()
        self.stack.setCurrentWidget(self.start_page)
        self.start_page.take_keyboard()  # the browser that had it is gone
        self.update_actions()

    def prompt_open_project(self) -> None:
        # beside the last project opened (it and its neighbours listed), not wherever
        # the app was started from
        recent = settings.recent_projects()
        start = str(recent[0].parent) if recent else ""
        folder = QFileDialog.getExistingDirectory(self, "Open LabelDesk project", start)
        if folder:
            self.open_project(Path(folder))

    def prompt_new_project(self) -> None:
        dialog = NewProjectDialog(self)
        if dialog.exec():
            self.create_project(*dialog.paths())

    @property
    def project(self) -> Project | None:
        return self.session.project if self.session is not None else None

    @property
    def view(self) -> ProjectView | None:
        return self._view

    # -- project jobs (see ProjectJobs) -----------------------------------------------
    def create_project(self, images: Path, target: Path) -> Job | None:
        """Make an empty project at ``target`` for ``images``, open it, and index it in
        the background (then embed it). None when the project cannot be made."""
        try:
            path = create_empty(target, images)
        except LabelDeskError as exc:
            self.notify_error(said(f"Cannot create a project at {target}: {exc}", exc))
            return None
        if not self.open_project(path):
            return None
        return self.jobs.index_new(images)

    @property
    def busy(self) -> bool:
        """An exclusive job (scan, embed, train, export) runs on the open project."""
        return self.session is not None and self.session.busy

    @property
    def scan_job(self) -> Job | None:
        return self.jobs.scan_job

    @property
    def embed_job(self) -> Job | None:
        return self.jobs.embed_job

    @property
    def create_job(self) -> Job | None:
        return self.jobs.create_job

    def _show_counts(self) -> None:
        """The counts line; "showing N · M selected" only while the browser shows (on
        another page they spoke of a grid out of sight)."""
        view = self.view
        if view is not None:
            on_browser = self.stack.currentWidget() is view
            text = view.status_text if on_browser else view.totals_text
            self.counts_label.setText(f"Read-only · {text}" if self._read_only else text)
            reason = self.project.read_only if self.project is not None else None
            self.counts_label.setToolTip("" if reason is None else read_only_note(reason))

    @property
    def _read_only(self) -> bool:
        project = self.project
        return project is not None and project.read_only is not None

    def update_actions(self) -> None:
        self.menus.update_enabled(
            project_open=self.project is not None, busy=self.busy, read_only=self._read_only
        )

    # -- lifetime ------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        """Cancel running jobs, wait for them, then close the project cleanly."""
        if self.runner.active:
            self.statusBar().showMessage("Stopping background jobs…")
            self.statusBar().repaint()  # painted now: the wait below blocks the event loop
        self.runner.shutdown()
        self._checking = None  # (a check still running opens nothing after it)
        save_place(self)
        self.close_project()
        event.accept()
