"""What the pages, menus and jobs of an open project may ask of the window around them.

They get a :class:`~labeldesk.gui.session.ProjectSession` for the project and this small
interface for the window, never the window itself: the window implements it, tests can
use a stand-in, and no module below the window imports it back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from PySide6.QtWidgets import QStackedWidget, QWidget

    from labeldesk.gui.project_view import ProjectView


class Shell(Protocol):
    """The window, as its parts see it."""

    @property
    def view(self) -> ProjectView | None:
        """The open project's browser (None when no project is open)."""
        ...

    def show_message(self, text: str) -> None:
        """A transient line in the status bar."""
        ...

    def notify_error(
        self, message: str, dialog: bool = True, fix: tuple[str, Callable[[], object]] | None = None
    ) -> None:
        """An expected failure: one status line and, usually, one notice (with a button
        that does what it asks, given ``fix``: its words and command). Pass a job's
        failure on as :meth:`~labeldesk.gui.workers.Job.describe` said it: the
        :class:`~labeldesk.gui.full_disk.FailureText` carries the disk it found full."""
        ...

    def show_page(self, page: QWidget) -> None:
        """Show ``page`` in the project area (added the first time)."""
        ...

    def drop_page(self, page: QWidget) -> None:
        """Take ``page`` out of the project area (it is being closed)."""
        ...

    def is_showing(self, page: QWidget) -> bool: ...

    def show_browser(self) -> None: ...

    def show_selection(
        self, paths: list[str], description: str = "selected", *, select_all: bool = False
    ) -> None: ...

    def show_image_among(self, paths: list[str], description: str, image_id: int) -> None: ...

    def review_issues(self) -> None: ...

    def export_dataset(self, version: str | None = None) -> None:
        """The export dialog (with a dataset version's state chosen, if given)."""
        ...

    def open_project(self, path: Path, quiet: bool = False) -> bool: ...

    def update_actions(self) -> None:
        """Enable or disable the commands for the current state."""
        ...


class StackedPages:
    """The page part of :class:`Shell` for a window whose project area is a
    ``QStackedWidget`` in ``self.stack`` (the main window; a stand-in in benchmarks)."""

    stack: QStackedWidget

    def show_page(self, page: QWidget) -> None:
        if self.stack.indexOf(page) < 0:
            self.stack.addWidget(page)
        self.stack.setCurrentWidget(page)

    def drop_page(self, page: QWidget) -> None:
        self.stack.removeWidget(page)

    def is_showing(self, page: QWidget) -> bool:
        return self.stack.currentWidget() is page
