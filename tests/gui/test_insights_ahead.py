"""At a million images the browser takes new scores from a job (the arrays made off the
GUI thread, then swapped in): the window shows the same rows, counts and flags as when
it took them on the spot, and keeps showing the old scores until the swap."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from labeldesk.browse.image_records import ImageFilter
from labeldesk.gui import sort_ahead


def what_is_shown(view) -> tuple[object, ...]:
    catalog = view.catalog
    rows = view.model.positions(np.arange(view.model.rowCount())).tolist()
    flagged = catalog.filter(ImageFilter(show="flagged", sort="issue")).tolist()
    return rows, flagged, catalog.show_counts(), repr(catalog.issue_scores.tolist())


def test_new_scores_from_a_job_show_what_scores_taken_at_once_show(qtbot, scored_view, monkeypatch):
    view = scored_view
    insights = view.catalog.insights
    fresh = replace(insights, issue_score=insights.issue_score[::-1].copy())
    view.sidebar.select_sort("issue")
    view._insights_updated(fresh)  # a small project: taken at once
    at_once = what_is_shown(view)
    view._insights_updated(insights)
    qtbot.waitUntil(lambda: not view.runner.active, timeout=10000)
    before = what_is_shown(view)

    monkeypatch.setattr(sort_ahead, "AHEAD_MIN_IMAGES", 1)  # (a million images, as it were)
    catalog = view.catalog
    view._insights_updated(fresh)
    assert catalog.insights is insights and catalog.insights_pending  # (old ones shown)
    assert what_is_shown(view) == before
    qtbot.waitUntil(lambda: catalog.insights is fresh, timeout=10000)
    qtbot.waitUntil(lambda: not view.runner.active, timeout=10000)
    assert what_is_shown(view) == at_once
    assert at_once != before  # (the scores differ: a rescoring that changes the order)
