"""A review page on screen, loaded, where the review tests start."""

from __future__ import annotations

from labeldesk.core.project import Project
from labeldesk.gui.review_view import ReviewView
from labeldesk.gui.workers import JobRunner


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
