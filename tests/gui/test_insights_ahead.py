"""At a million images the browser takes new scores from a job (the arrays made off the
GUI thread, then swapped in): the window shows the same rows, counts and flags as when
it took them on the spot, and keeps showing the old scores until the swap."""

from __future__ import annotations

import threading
from dataclasses import replace

import numpy as np

from gui.held_join import flagged_image, hold_joins, press_bee
from labeldesk.browse import insight_swap
from labeldesk.browse.catalog import ImageCatalog
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
    qtbot.waitUntil(lambda: not view.runner.active, timeout=30000)
    before = what_is_shown(view)

    monkeypatch.setattr(sort_ahead, "AHEAD_MIN_IMAGES", 1)  # (a million images, as it were)
    catalog = view.catalog
    view._insights_updated(fresh)
    assert catalog.insights is insights and catalog.insights_pending  # (old ones shown)
    assert what_is_shown(view) == before
    qtbot.waitUntil(lambda: catalog.insights is fresh, timeout=30000)
    qtbot.waitUntil(lambda: not view.runner.active, timeout=30000)
    assert what_is_shown(view) == at_once
    assert at_once != before  # (the scores differ: a rescoring that changes the order)


def test_a_relabel_made_while_scores_are_joined_stays_unflagged_through_a_rename(
    qtbot, scored_view, clustered, monkeypatch
):
    """The person relabels a flagged image, then renames a class, while new scores are
    joined in a job: the job's work named the classes as before, so it is refused. The
    feed's scores were then taken on the spot, the relabel forgotten: the image got its
    flag back. The work is begun again instead, the relabel kept; the rename keeps the
    other flags, as it does when the scores are taken at once."""
    project, flipped = clustered
    view = scored_view
    catalog = view.catalog
    monkeypatch.setattr(view.feed, "labels_changed", lambda earlier=False: None)  # (no rescoring)
    release = hold_joins(monkeypatch)
    image_id, position = flagged_image(view, project, flipped[0])
    old_label = catalog.labels[position]
    flags = int(catalog.flagged.sum())
    try:
        view._insights_updated(catalog.insights)  # new scores (the same), joined in a job
        assert catalog.insights_pending
        press_bee(qtbot, view, image_id, position, timeout=30000)
        project.rename_class(old_label, f"{old_label}_renamed")
        qtbot.waitUntil(
            lambda: f"{old_label}_renamed" in catalog.classes and not view.rows.busy,
            timeout=30000,
        )
        release.set()
        qtbot.waitUntil(lambda: not catalog.insights_pending, timeout=30000)
        qtbot.waitUntil(lambda: not view.runner.active, timeout=30000)
    finally:
        release.set()
    assert view.catalog is catalog and catalog.insights is not None
    assert not catalog.flagged[position]  # the person's relabel stays
    assert int(catalog.flagged.sum()) == flags - 1  # the rename kept the others
    assert not view.model.tile(view.model.row_of_id(image_id)).flagged


def test_a_relabel_made_while_scores_are_joined_stays_unflagged_when_the_job_fails(
    qtbot, scored_view, clustered, monkeypatch
):
    """The person relabels a flagged image while new scores are joined in a job, and the
    job fails: the feed's scores were taken on the spot, the relabel forgotten (the image
    flagged again). The scores are joined here instead, the relabel kept."""
    project, flipped = clustered
    view = scored_view
    catalog = view.catalog
    monkeypatch.setattr(view.feed, "labels_changed", lambda earlier=False: None)  # (no rescoring)
    monkeypatch.setattr(sort_ahead, "AHEAD_MIN_IMAGES", 1)  # (a million images, as it were)
    release = threading.Event()
    begin = ImageCatalog.begin_insights

    def failing_begin(catalog, insights):
        begin(catalog, insights)  # (noted as begun; its work done by the job fails)

        def fails():  # the job's work, failing once released
            release.wait(30)
            raise MemoryError("no room for the scores' arrays")

        return fails

    monkeypatch.setattr(ImageCatalog, "begin_insights", failing_begin)
    image_id, position = flagged_image(view, project, flipped[0])
    flags = int(catalog.flagged.sum())
    insights = catalog.insights
    try:
        view._insights_updated(insights)  # new scores (the same), joined in a job
        assert catalog.insights_pending
        press_bee(qtbot, view, image_id, position, timeout=30000)
        release.set()
        qtbot.waitUntil(lambda: not catalog.insights_pending, timeout=30000)
        qtbot.waitUntil(lambda: not view.runner.active, timeout=30000)
    finally:
        release.set()
    assert view.catalog is catalog and catalog.insights is insights
    assert not catalog.flagged[position]  # the person's relabel stays
    assert int(catalog.flagged.sum()) == flags - 1
    assert not view.model.tile(view.model.row_of_id(image_id)).flagged


def test_a_join_failing_again_says_so_and_awaits_nothing(qtbot, scored_view, monkeypatch):
    """The job joining new scores fails, and so does the second job made in its place
    (no room for the arrays, every time): the error is said, the scores shown stay, and
    the catalog awaits nothing more (the detail panel said "being scored" for good)."""
    view = scored_view
    catalog = view.catalog
    monkeypatch.setattr(view.feed, "labels_changed", lambda earlier=False: None)
    monkeypatch.setattr(sort_ahead, "AHEAD_MIN_IMAGES", 1)
    release = threading.Event()

    def no_room(*args, **kwargs):
        release.wait(30)
        raise MemoryError()

    monkeypatch.setattr(insight_swap, "insight_columns", no_room)
    errors: list[str] = []
    view.error.connect(errors.append)
    insights = catalog.insights
    view._insights_updated(insights)
    assert catalog.insights_pending
    release.set()
    qtbot.waitUntil(lambda: not view.runner.active, timeout=30000)
    qtbot.waitUntil(lambda: bool(errors), timeout=30000)
    assert errors == ["Taking the model's scores failed: not enough memory"]
    assert not catalog.insights_pending
    assert catalog.insights is insights


def test_a_join_whose_job_failed_is_made_again_off_the_gui_thread(qtbot, scored_view, monkeypatch):
    """The job joining new scores fails once (no room for the arrays, say): the join is
    made again by another job, not on the GUI thread, where at a million images it held
    the window for seconds, and the new scores come in with the person's place kept (the
    image they selected still selected, still current)."""
    view = scored_view
    catalog = view.catalog
    monkeypatch.setattr(view.feed, "labels_changed", lambda earlier=False: None)
    monkeypatch.setattr(sort_ahead, "AHEAD_MIN_IMAGES", 1)  # (a million images, as it were)
    on_gui_thread: list[bool] = []  # each join of the scores: made on the GUI thread?
    join = insight_swap.insight_columns

    def watched(*args, **kwargs):
        on_gui_thread.append(threading.current_thread() is threading.main_thread())
        if len(on_gui_thread) == 1:
            raise MemoryError("no room for the scores' arrays")
        return join(*args, **kwargs)

    monkeypatch.setattr(insight_swap, "insight_columns", watched)
    errors: list[str] = []
    view.error.connect(errors.append)
    row = view.model.rowCount() // 2
    view.grid.select_row(row)
    chosen = int(view.model.rows_to_ids([row])[0])
    insights = catalog.insights
    fresh = replace(insights, issue_score=insights.issue_score[::-1].copy())
    view._insights_updated(fresh)
    qtbot.waitUntil(lambda: catalog.insights is fresh, timeout=30000)
    qtbot.waitUntil(lambda: not view.runner.active, timeout=30000)
    assert on_gui_thread == [False, False]
    assert not errors and not catalog.insights_pending
    assert view.model.rows_to_ids(view.grid.selected_rows()).tolist() == [chosen]
    assert view.model.rows_to_ids([view.grid.currentIndex().row()]).tolist() == [chosen]
