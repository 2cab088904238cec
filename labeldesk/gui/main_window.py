"""The main window: menus, status bar, and switching between start page and project.

An open project is a :class:`ProjectSession` (the project, its jobs, the one exclusive
job slot, its writes as signals); the window shows it and little else: browsing and
labeling live in :class:`ProjectView`, menus in :mod:`labeldesk.gui.menus`, indexing and
embedding jobs in :class:`ProjectJobs`, the other pages in :class:`ProjectPages`. Those
get the session and the window as a :class:`~labeldesk.gui.shell.Shell`, not the window.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QCloseEvent, QGuiApplication, QScreen
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QMainWindow,
    QStackedWidget,
)

from labeldesk.core.create import create_empty
from labeldesk.core.display import sentence_start
from labeldesk.core.errors import LabelDeskError
from labeldesk.core.failures import damaged_database, is_damage, says_disk_full
from labeldesk.core.project import Project, open_project
from labeldesk.core.read_only_db import (
    READ_ONLY_ADVICE,
    DamagedReason,
    NotCheckedReason,
    read_only_advice,
)
from labeldesk.gui import settings
from labeldesk.gui.app_words import in_app_words
from labeldesk.gui.crossfit_job import CrossFitJobs
from labeldesk.gui.damage_check import check_job, needs_check
from labeldesk.gui.dialogs import NewProjectDialog, ShortcutsDialog, show_about, show_error
from labeldesk.gui.elided_label import ElidedLabel
from labeldesk.gui.focus_ring import FocusRings
from labeldesk.gui.full_disk import FullDiskNotice, disk_named, full_disk_in, said
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
from labeldesk.gui.theme import apply_theme
from labeldesk.gui.workers import Job, JobRunner

log = logging.getLogger(__name__)

GEOMETRY_KEY = "window/geometry"
FIRST_SIZE = QSize(1400, 900)  # the first window, on a screen with room for it


READ_ONLY_NOTE = (
    "its folder cannot be written (a read-only disk, share or folder), so you can browse, "
    f"look and export, but not label or change it; {READ_ONLY_ADVICE}"
)


def read_only_note(reason: str) -> str:
    """Why the project was opened read-only and what to do, for the notice on opening
    and the counts line's tooltip (what to do in the review banner's words). For a
    damaged database in paragraphs: why (the status bar's line), what still works, what
    to do; it was one run-on sentence of some 600 characters naming the folder twice."""
    if isinstance(reason, NotCheckedReason):  # not known to be damaged: no repair
        return (
            f"{reason}.\n\nYou can browse, look and export, but not label or change it. "
            f"What to do: {read_only_advice(reason)}."
        )
    if isinstance(reason, DamagedReason):  # nothing may write to it until it is repaired
        return (
            f"{reason}.\n\nYou can browse, look and export, but not label or change it "
            f"until it is repaired.\n\nTo repair it, {read_only_advice(reason)}."
        )
    return READ_ONLY_NOTE


def first_geometry(screen: QScreen | None) -> QRect | None:
    """The first window's place: :data:`FIRST_SIZE` within the screen's free area (at
    1366×768 the status bar, with its Cancel, fell off the bottom), with room left for
    the window's frame, in the middle of that area; None without a screen."""
    room = screen.availableGeometry() if screen is not None else QRect()
    if room.width() <= 0 or room.height() <= 0:
        return None
    size = FIRST_SIZE.boundedTo(QSize(room.width() * 95 // 100, room.height() * 92 // 100))
    place = QRect(QPoint(0, 0), size)
    place.moveCenter(room.center())
    return place


STATE_KEY = "window/state"
MESSAGE_MS = 6000


class MainWindow(StackedPages, QMainWindow):
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
        place = first_geometry(QGuiApplication.primaryScreen())
        if place is None:
            self.resize(FIRST_SIZE)
        else:
            self.setGeometry(place)
        geometry = settings.load_bytes(GEOMETRY_KEY)
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = settings.load_bytes(STATE_KEY)
        if state is not None:
            self.restoreState(state)
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

    def rescan(self) -> Job | None:
        return self.jobs.rescan()

    def compute_embeddings(self) -> Job | None:
        return self.jobs.compute_embeddings()

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

    def show_statistics(self) -> None:
        """Class counts, duplicates and leakage, training history (refreshed on show)."""
        self.review.close_view()
        self.pages.show_statistics()

    def find_duplicates(self) -> None:
        """Tools → Find duplicates…: Statistics, and the groups once its search ends."""
        self.review.close_view()
        self.pages.find_duplicates()

    def find_outliers(self) -> None:
        """Tools → Find outliers: the browser, most unusual images first."""
        self.show_browser()
        view = self.view
        if view is None:
            return
        if not view.detail.find_different_button.isEnabled():  # no embeddings yet
            self.show_message(
                "Compute embeddings first (Tools → Compute embeddings): outliers are the "
                "images least like any other"
            )
            return
        view.find_different()

    def show_map(self) -> None:
        """Every image on a 2-D map of its embedding; box-select to see them in the grid."""
        self.review.close_view()
        self.pages.show_map()

    def show_selection(
        self, paths: list[str], description: str = "selected", *, select_all: bool = False
    ) -> None:
        """Show exactly ``paths`` (a map selection, a confusion cell) in the browser, in
        place of its filters, ready for bulk actions; the sidebar says what they are.
        ``select_all``: all of them arrive selected (the map's), else the first."""
        if self.view is not None and paths:
            self.show_browser()
            self.view.show_paths(paths, description, select_all=select_all)

    def show_image_among(self, paths: list[str], description: str, image_id: int) -> None:
        """Show ``paths`` in the browser with ``image_id`` selected (a duplicate group)."""
        self.show_selection(paths, description)
        if self.view is not None:
            self.view.jump_to(image_id)

    def show_training(self) -> None:
        """Train a head or fine-tune, with a live loss plot and the model versions."""
        self.review.close_view()
        self.pages.show_training()

    def show_versions(self) -> None:
        """Dataset versions: name the state now, compare two, export any of them."""
        self.review.close_view()
        self.pages.show_versions()

    def show_drift(self) -> None:
        """Drift: compare a folder of new images with the project, most novel first."""
        self.review.close_view()
        self.pages.show_drift()

    def export_dataset(self, version: str | None = None) -> None:
        session = self.session
        if session is None:
            return
        reason = session.blocker()
        if reason:
            self.show_message(reason)
            return
        # Imported when first used: the formats (pyarrow, tar, XML) cost ~0.15 s at start-up.
        from labeldesk.gui.export_dialog import ExportDialog

        dialog = ExportDialog(session.project, self, runner=session.runner, exclusive=session)
        if version is not None:
            dialog.extra.choose_version(version)
        dialog.exec()
        dialog.shutdown()

    def import_labels(self) -> None:
        """File → Import labels…: another tool's labels, checked, then one undoable batch."""
        session = self.session
        if session is None:
            return
        from labeldesk.gui.import_dialog import ImportDialog

        dialog = ImportDialog(session.project, self, runner=session.runner, exclusive=session)
        dialog.exec()
        dialog.shutdown()
        dialog.deleteLater()

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

    def show_browser(self) -> None:
        """Back to the grid, in its place: it followed every write while hidden (through
        the session's ``changed`` signal), so nothing is re-read here."""
        if self.view is not None:
            self.review.close_view()
            self.stack.setCurrentWidget(self.view)
            self.view.grid.setFocus()

    def review_issues(self) -> None:
        self.review.start("issues")

    def review_queue(self) -> None:
        self.review.start("queue")

    def review_crossfit(self) -> None:
        self.crossfit.ask(self)

    # -- view / help ---------------------------------------------------------------
    def set_theme(self, name: str) -> None:
        settings.set_theme(name)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, name)

    def show_shortcuts(self) -> None:
        ShortcutsDialog(self, self.menus.command_actions()).exec()

    def show_about(self) -> None:
        show_about(self)

    # -- feedback ------------------------------------------------------------------
    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(self._in_app_words(text), MESSAGE_MS)

    def notify_error(
        self, message: str, dialog: bool = True, fix: tuple[str, Callable[[], object]] | None = None
    ) -> None:
        """An expected failure: one line in the status bar and, usually, one notice
        (with a button that does what it asks, given ``fix``: its words and command).
        ``message`` may carry the disk its failure found full (a
        :class:`~labeldesk.gui.full_disk.FailureText`): the one the notice watches."""
        raw = message  # (with the disk it carries)
        message = sentence_start(self._in_app_words(message))  # "Cannot …", not "cannot …"
        log.info("error shown to user: %s", message)
        self.statusBar().showMessage(message.splitlines()[0], MESSAGE_MS * 2)
        if self.session is not None and self.session.check_damage():
            dialog = False  # the damage met: the read-only reopen's notice says it all
        full = says_disk_full(message) or full_disk_in(raw) is not None
        project = None if self.project is None else self.project.path
        folder = disk_named(raw, project) if full else project  # the disk that was full
        if full and self.full_disk.told(folder):
            # One full disk, one notice: the jobs that follow a failed one (the model's
            # scores after an embedding kept its finished batches) meet it too
            dialog = False
        if dialog:
            box = show_error(self, message) if fix is None else show_error(self, message, fix=fix)
            if full:
                self.full_disk.shown(box, folder)

    def _in_app_words(self, text: str) -> str:
        """What a page, a job or the core says, with the commands it suggests as the
        app's menus (the open project's folder in any other)."""
        project = self.project
        return in_app_words(text, None if project is None else project.path)

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
        settings.save_bytes(GEOMETRY_KEY, self.saveGeometry())
        settings.save_bytes(STATE_KEY, self.saveState())
        self.close_project()
        event.accept()

    def focus_search(self) -> None:
        if self.view is not None:
            self.view.sidebar.search.setFocus()
            self.view.sidebar.search.selectAll()
