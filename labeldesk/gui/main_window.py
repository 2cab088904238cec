"""The main window: menus, status bar, and switching between start page and project.

It owns the open :class:`Project` and the job runner, and little else: browsing and
labeling live in :class:`ProjectView`, menus in :mod:`labeldesk.gui.menus`, indexing and
embedding jobs in :class:`ProjectJobs`, the other pages in :class:`ProjectPages`.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QMainWindow, QStackedWidget

from labeldesk.core.errors import LabelDeskError
from labeldesk.core.project import Project, open_project
from labeldesk.gui import settings
from labeldesk.gui.dialogs import NewProjectDialog, ShortcutsDialog, show_about, show_error
from labeldesk.gui.export_dialog import ExportDialog
from labeldesk.gui.icons import app_icon
from labeldesk.gui.job_progress import JobProgressWidget
from labeldesk.gui.menus import MainMenus
from labeldesk.gui.pages import ProjectPages
from labeldesk.gui.project_jobs import ProjectJobs
from labeldesk.gui.project_view import ProjectView
from labeldesk.gui.review_mode import ReviewMode
from labeldesk.gui.start_page import StartPage
from labeldesk.gui.theme import apply_theme
from labeldesk.gui.workers import Job, JobRunner

log = logging.getLogger(__name__)

GEOMETRY_KEY = "window/geometry"
STATE_KEY = "window/state"
MESSAGE_MS = 6000


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("LabelDesk")
        self.setWindowIcon(app_icon())
        self.project: Project | None = None
        self.view: ProjectView | None = None
        self.pages = ProjectPages(self)
        self.runner = JobRunner(self)
        self.jobs = ProjectJobs(self)

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

        self.counts_label = QLabel()
        self.job_widget = JobProgressWidget()
        self.statusBar().addPermanentWidget(self.job_widget)
        self.statusBar().addPermanentWidget(self.counts_label)
        self.review = ReviewMode(self)
        self.menus = MainMenus(self)
        self.resize(1400, 900)
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

    def open_project(self, path: Path, quiet: bool = False) -> bool:
        """Open the project at ``path``, replacing the current one. False on failure."""
        try:
            project = open_project(path)
        except LabelDeskError as exc:
            self.notify_error(f"Cannot open {path}: {exc}", dialog=not quiet)
            if quiet:
                settings.remove_recent_project(path)
            self.start_page.refresh()
            return False
        self.close_project()
        self.project = project
        self.view = ProjectView(project, runner=self.runner, track=self.job_widget.track)
        self.view.statusChanged.connect(self.counts_label.setText)
        self.view.message.connect(self.show_message)
        self.view.error.connect(self.notify_error)
        self.view.restore_state()
        self.view.refresh_counts()
        self.stack.addWidget(self.view)
        self.pages.open(project)
        self.stack.setCurrentWidget(self.view)
        self.view.grid.setFocus()
        settings.add_recent_project(project.path)
        self.setWindowTitle(f"{project.path.name} — LabelDesk")
        self.menus.project_opened(self.view)
        self.update_actions()
        self.show_message(f"Opened {project.path} ({project.root})")
        return True

    def close_project(self) -> None:
        running = self.jobs.running()
        for job in running:
            job.cancel()
        if running:
            self.runner.pool.waitForDone(15000)
        self.review.close()
        self.pages.close()
        if self.view is not None:
            self.menus.project_closed()
            self.view.shutdown()
            self.stack.removeWidget(self.view)
            self.view.deleteLater()
            self.view = None
        if self.project is not None:
            self.project.close()
            self.project = None
        self.counts_label.clear()
        self.statusBar().clearMessage()
        self.setWindowTitle("LabelDesk")
        self.start_page.refresh()
        self.stack.setCurrentWidget(self.start_page)
        self.update_actions()

    def prompt_open_project(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open LabelDesk project")
        if folder:
            self.open_project(Path(folder))

    def prompt_new_project(self) -> None:
        dialog = NewProjectDialog(self)
        if dialog.exec():
            self.create_project(*dialog.paths())

    # -- project jobs (see ProjectJobs) -----------------------------------------------
    def create_project(self, images: Path, target: Path) -> Job | None:
        """Create a project for ``images`` at ``target``, open it, index and embed it."""
        return self.jobs.create_project(images, target)

    def rescan(self) -> Job | None:
        return self.jobs.rescan()

    def compute_embeddings(self) -> Job | None:
        return self.jobs.compute_embeddings()

    @property
    def busy(self) -> bool:
        return self.jobs.busy

    @property
    def scan_job(self) -> Job | None:
        return self.jobs.scan_job

    @property
    def embed_job(self) -> Job | None:
        return self.jobs.embed_job

    @property
    def create_job(self) -> Job | None:
        return self.jobs.create_job

    def refresh_insights(self) -> None:
        """Recompute the browser's model insights (after embeddings or training)."""
        if self.view is not None:
            self.view.feed.refresh()

    def show_statistics(self) -> None:
        """Class counts, duplicates and leakage, training history (refreshed on show)."""
        self.review.close()
        self.pages.show_statistics()

    def show_map(self) -> None:
        """Every image on a 2-D map of its embedding; box-select to see them in the grid."""
        self.review.close()
        self.pages.show_map()

    def show_selection(self, paths: list[str], description: str = "selected") -> None:
        """Show exactly ``paths`` (a map selection, a confusion cell) in the browser, in
        place of its filters, ready for bulk actions; the sidebar says what they are."""
        if self.view is not None and paths:
            self.show_browser()
            self.view.show_paths(paths, description)

    def show_image_among(self, paths: list[str], description: str, image_id: int) -> None:
        """Show ``paths`` in the browser with ``image_id`` selected (a duplicate group)."""
        self.show_selection(paths, description)
        if self.view is not None:
            self.view.jump_to(image_id)

    def show_training(self) -> None:
        """Train a head or fine-tune, with a live loss plot and the model versions."""
        self.review.close()
        self.pages.show_training()

    def refresh_after_training(self) -> None:
        self.refresh_insights()
        self.update_actions()
        self.show_message("Training finished: predictions, issues and the queue use it now")

    def export_dataset(self) -> None:
        if self.project is not None:
            dialog = ExportDialog(self.project, self, runner=self.runner)
            dialog.exec()
            dialog.shutdown()

    def show_browser(self) -> None:
        if self.view is not None:
            self.review.close()
            self.view.reload()
            self.stack.setCurrentWidget(self.view)
            self.view.grid.setFocus()

    def review_issues(self) -> None:
        self.review.start("issues")

    def review_queue(self) -> None:
        self.review.start("queue")

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
        self.statusBar().showMessage(text, MESSAGE_MS)

    def notify_error(self, message: str, dialog: bool = True) -> None:
        """An expected failure: one line in the status bar and, usually, one notice."""
        log.info("error shown to user: %s", message)
        self.statusBar().showMessage(message.splitlines()[0], MESSAGE_MS * 2)
        if dialog:
            show_error(self, message)

    def update_actions(self) -> None:
        creating = self.create_job is not None and self.create_job.running
        self.menus.update_enabled(project_open=self.project is not None, busy=self.busy or creating)

    # -- lifetime ------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        """Cancel running jobs, wait for them, then close the project cleanly."""
        if self.runner.active:
            self.statusBar().showMessage("Stopping background jobs…")
            self.statusBar().repaint()  # painted now: the wait below blocks the event loop
        self.runner.shutdown()
        settings.save_bytes(GEOMETRY_KEY, self.saveGeometry())
        settings.save_bytes(STATE_KEY, self.saveState())
        self.close_project()
        event.accept()

    def focus_search(self) -> None:
        if self.view is not None:
            self.view.sidebar.search.setFocus()
            self.view.sidebar.search.selectAll()
