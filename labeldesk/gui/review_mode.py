"""Switching the main window's project area between the grid and the review view."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from labeldesk.gui.review_view import ReviewView

if TYPE_CHECKING:
    from labeldesk.browse.review_session import Source
    from labeldesk.gui.main_window import MainWindow


class ReviewMode(QObject):
    """Switches the main window's project area between the grid and the review view."""

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.window = window
        self.view: ReviewView | None = None

    @property
    def active(self) -> bool:
        return self.view is not None and self.window.stack.currentWidget() is self.view

    def start(self, source: Source) -> ReviewView | None:
        window = self.window
        if window.project is None or window.view is None:
            return None
        if self.view is None:
            view = ReviewView(window.project, window.runner, track=window.job_widget.track)
            view.backRequested.connect(self.leave)
            view.loadFailed.connect(self._failed)
            view.message.connect(window.show_message)
            view.changed.connect(self._changed)
            view.error.connect(window.notify_error)
            window.stack.addWidget(view)
            self.view = view
        self.view.setEnabled(True)
        self.view.load(source)
        window.stack.setCurrentWidget(self.view)
        self.view.setFocus()
        return self.view

    def _changed(self, paths: list[str]) -> None:
        """A review key wrote: the browser re-reads those images at once, so the status
        bar's counts (labeled, unlabeled, likely mislabeled) follow every key."""
        if self.window.view is not None:
            self.window.view.changed_elsewhere(paths)

    def _failed(self, text: str) -> None:
        self.leave()
        self.window.notify_error(text)

    def leave(self) -> None:
        """Back to the grid, which re-reads the images changed during the review (only
        those: re-reading all of a 100k project took seconds); its place is kept."""
        window = self.window
        if window.view is None or not self.active:
            return
        window.stack.setCurrentWidget(window.view)
        if self.view is not None:
            window.view.labeling.refresh_paths(self.view.take_touched())
        window.view.grid.setFocus()

    def close(self) -> None:
        """Before the project closes: stop jobs that read it, and drop the view."""
        if self.view is None:
            return
        self.view.shutdown()
        self.window.runner.pool.waitForDone(15000)
        self.window.stack.removeWidget(self.view)
        self.view.deleteLater()
        self.view = None
