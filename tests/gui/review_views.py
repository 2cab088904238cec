"""A review page on screen, loaded, where the review tests start: on its own, or in the
main window on the clustered project."""

from __future__ import annotations

from labeldesk.core.project import Project
from labeldesk.gui.review_view import ReviewView
from labeldesk.gui.workers import JobRunner


def open_in_window(window, clustered) -> None:
    """The ``clustered`` fixture's project closed here and opened in ``window``."""
    project, _ = clustered
    path = project.path
    project.close()
    assert window.open_project(path)


def start_review(qtbot, window, source: str) -> ReviewView:
    """The window's review of ``source`` ("issues" or "queue") started, its list loaded
    (its session made) and focused."""
    review = window.review.start(source)
    qtbot.waitUntil(lambda: review.session is not None, timeout=30000)
    review.setFocus()
    return review


def open_review(qtbot, project: Project, runner: JobRunner, source: str) -> ReviewView:
    """A :class:`ReviewView` of ``project``, 1000 × 700 px, shown, the active window and
    focused, its ``source`` ("issues" or "queue") loaded."""
    view = ReviewView(project, runner)
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.show()
    qtbot.waitExposed(view)
    view.activateWindow()
    view.setFocus()
    with qtbot.waitSignal(view.loaded, timeout=20000):
        view.load(source)  # type: ignore[arg-type]
    return view
