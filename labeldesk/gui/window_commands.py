"""What the main window's menus ask for, past opening and closing projects: the pages
(statistics, map, training, versions, drift), the review, the import and export
dialogs, the theme and the help. Each is a few lines handing over to the part that does
it (:class:`~labeldesk.gui.pages.ProjectPages`, :class:`~labeldesk.gui.review_mode.ReviewMode`,
the dialogs); :class:`MenuCommands` is the main window's base for them (see
:class:`~labeldesk.gui.menus.Commands`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, overload

from PySide6.QtWidgets import QApplication, QMainWindow, QStackedWidget

from labeldesk.gui import settings
from labeldesk.gui.crossfit_job import CrossFitJobs
from labeldesk.gui.dialogs import ShortcutsDialog, show_about
from labeldesk.gui.menus import MainMenus
from labeldesk.gui.pages import ProjectPages
from labeldesk.gui.project_jobs import ProjectJobs
from labeldesk.gui.review_mode import ReviewMode
from labeldesk.gui.session import ProjectSession
from labeldesk.gui.theme import apply_theme
from labeldesk.gui.workers import Job

if TYPE_CHECKING:
    from labeldesk.gui.project_view import ProjectView


class PageCommand:
    """A menu command that leaves the review (if one is open) for a page: on a window,
    a command of no arguments running ``show(window.pages)`` after closing the review."""

    def __init__(self, show: Callable[[ProjectPages], None], doc: str):
        self.show = show
        self.__doc__ = doc

    @overload
    def __get__(self, window: None, owner: type | None = None) -> PageCommand: ...
    @overload
    def __get__(self, window: MenuCommands, owner: type | None = None) -> Callable[[], None]: ...
    def __get__(
        self, window: MenuCommands | None, owner: type | None = None
    ) -> PageCommand | Callable[[], None]:
        if window is None:
            return self
        return lambda: self.run(window)

    def run(self, window: MenuCommands) -> None:
        window.review.close_view()
        self.show(window.pages)


class MenuCommands(QMainWindow):
    """The menus' commands, on the window's parts (set by the window)."""

    session: ProjectSession | None
    stack: QStackedWidget
    pages: ProjectPages
    jobs: ProjectJobs
    review: ReviewMode
    crossfit: CrossFitJobs
    menus: MainMenus

    if TYPE_CHECKING:  # the window's own

        @property
        def view(self) -> ProjectView | None: ...

        def show_message(self, text: str) -> None: ...

        def notify_error(
            self,
            message: str,
            dialog: bool = True,
            fix: tuple[str, Callable[[], object]] | None = None,
        ) -> None: ...

    # -- project jobs (see ProjectJobs) -----------------------------------------------
    def rescan(self) -> Job | None:
        return self.jobs.rescan()

    def compute_embeddings(self) -> Job | None:
        return self.jobs.compute_embeddings()

    # -- pages ---------------------------------------------------------------------
    show_statistics = PageCommand(
        ProjectPages.show_statistics,
        "Class counts, duplicates and leakage, training history (refreshed on show).",
    )
    find_duplicates = PageCommand(
        ProjectPages.find_duplicates,
        "Tools → Find duplicates…: Statistics, and the groups once its search ends.",
    )
    show_map = PageCommand(
        ProjectPages.show_map,
        "Every image on a 2-D map of its embedding; box-select to see them in the grid.",
    )
    show_training = PageCommand(
        ProjectPages.show_training,
        "Train a head or fine-tune, with a live loss plot and the model versions.",
    )
    show_versions = PageCommand(
        ProjectPages.show_versions,
        "Dataset versions: name the state now, compare two, export any of them.",
    )
    show_drift = PageCommand(
        ProjectPages.show_drift,
        "Drift: compare a folder of new images with the project, most novel first.",
    )

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

    def show_browser(self) -> None:
        """Back to the grid, in its place: it followed every write while hidden (through
        the session's ``changed`` signal), so nothing is re-read here."""
        if self.view is not None:
            self.review.close_view()
            self.stack.setCurrentWidget(self.view)
            self.view.grid.setFocus()

    def focus_search(self) -> None:
        if self.view is not None:
            self.view.sidebar.search.setFocus()
            self.view.sidebar.search.selectAll()

    def review_issues(self) -> None:
        self.review.start("issues")

    def review_queue(self) -> None:
        self.review.start("queue")

    def review_crossfit(self) -> None:
        self.crossfit.ask(self)

    # -- dialogs -------------------------------------------------------------------
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
        dialog.diskFull.connect(self.notify_error)  # the window's notice watches that disk
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
        dialog.diskFull.connect(self.notify_error)  # the window's notice watches that disk
        dialog.exec()
        dialog.shutdown()
        dialog.deleteLater()

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
