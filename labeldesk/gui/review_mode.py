"""Switching the main window's project area between the grid and the review view."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from labeldesk.browse.review_scope import browser_scope
from labeldesk.gui.review_view import ReviewView

if TYPE_CHECKING:
    from labeldesk.browse.review_session import Source
    from labeldesk.gui.session import ProjectSession
    from labeldesk.gui.shell import Shell


class ReviewMode(QObject):
    """Switches the project area between the grid and the review view.

    The browser needs no hand-off: every review key's write reaches it through the
    session's ``changed`` signal, so it is up to date (and in its place) on return."""

    def __init__(self, shell: Shell, parent: QObject | None = None):
        super().__init__(parent)
        self.shell = shell
        self.session: ProjectSession | None = None
        self.view: ReviewView | None = None

    def open(self, session: ProjectSession) -> None:
        self.session = session

    @property
    def active(self) -> bool:
        return self.view is not None and self.shell.is_showing(self.view)

    def start(self, source: Source, crossfit: bool = False) -> ReviewView | None:
        session, shell = self.session, self.shell
        if session is None or shell.view is None:
            return None
        if self.view is None:
            view = ReviewView(session.project, session.runner, track=session.track, busy=self._busy)
            view.backRequested.connect(self.leave)
            view.loadFailed.connect(self._failed)
            view.message.connect(shell.show_message)
            view.error.connect(shell.notify_error)
            session.changed.connect(view.follow_outside)  # other processes' writes
            view.classKeyUsed.connect(self._class_key_used)
            # Ctrl+K adds a class here too (a new user's first queue has none yet).
            view.addAction(shell.view.labeling.add_class_action)
            self.view = view
        self.view.setEnabled(True)
        # likely mislabels within what the browser is narrowed to (its class, say): the
        # header names it, and "Review the whole project" takes in the rest
        # (what the sidebar chose: a class chosen may still wait for its order)
        chosen, catalog = shell.view.chosen_filter(), shell.view.model.catalog
        scope = browser_scope(catalog, chosen) if source == "issues" else None
        self.view.load(source, crossfit, scope=scope)
        shell.show_page(self.view)
        self.view.setFocus()
        return self.view

    def _class_key_used(self) -> None:
        browser = self.shell.view
        if browser is not None:
            browser.labeling.note_key_used()

    def _busy(self) -> str | None:
        """Why a review key must wait: the browser's big write (a select-all key, a
        class edit) still runs, and the key's write would wait for it."""
        browser = self.shell.view
        return browser.labeling.busy_text() if browser is not None else None

    def _failed(self, text: str) -> None:
        self.leave()
        self.shell.notify_error(text)

    def leave(self) -> None:
        """Back to the grid, in its place; the review's jobs stop (their results are the
        page's alone: :meth:`ReviewView.leave`) and it stays ready for the next start."""
        browser = self.shell.view
        if self.view is not None:  # (the browser's scores due take over the predictions)
            self.view.leave(browser.scores_keeper() if browser is not None else None)
        if self.active and browser is not None:
            self.shell.show_page(browser)
            browser.grid.setFocus()

    def close(self) -> None:
        """Before the project closes: stop the review's jobs and drop the view."""
        self.close_view()
        self.session = None

    def close_view(self) -> None:
        """Another page was chosen: stop the review's jobs and drop its view."""
        if self.view is not None:
            self.view.shutdown()
            self.shell.drop_page(self.view)
            self.view.deleteLater()
            self.view = None
