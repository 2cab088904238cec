"""A project open in the main window with the model's first scores in, where the tests of
rescoring start, and Statistics' count of likely wrong labels as read."""

from __future__ import annotations

import re

from labeldesk.core.project import Project


def open_scored(qtbot, window, project: Project, *, short_pause: bool = False):
    """Closes ``project``, opens it in ``window`` and waits for its first scores: the
    browser's view. ``short_pause``: the feed scores again 200 ms after a change, not
    3 s."""
    project.close()
    assert window.open_project(project.path)
    view = window.view
    qtbot.waitUntil(lambda: view.catalog.expected_errors is not None, timeout=20000)
    qtbot.waitUntil(lambda: not view.feed.busy, timeout=20000)
    if short_pause:
        view.feed._timer.setInterval(200)
    return view


def likely_wrong(window) -> str:
    """Statistics' "Likely wrong labels" value as read (its link is rich text)."""
    value = window.pages.stats.summary_labels["likely_wrong"].text()
    return re.sub(r"<[^>]+>", "", value).replace("\u00a0", " ")
