"""The browser's orders by the model's values are made in a job as the scores come, so
the first sort by label fit (or confidence, or outlier score) finds its order made: at a
million images that sort held the window 0.2-0.6 s. The grid shows the same images in the
same order either way."""

from __future__ import annotations

import threading

import numpy as np

from labeldesk.browse.image_records import ImageFilter
from labeldesk.gui import sort_ahead


def test_the_first_sort_by_a_model_value_finds_its_order_made(
    qtbot, scored_view, counted_sorts, monkeypatch
):
    view = scored_view
    catalog = view.catalog
    expected = {s: catalog.filter(ImageFilter(sort=s)).tolist() for s in ("issue", "outlier")}
    monkeypatch.setattr(sort_ahead, "AHEAD_MIN_IMAGES", 1)  # (a million images, as it were)
    view._insights_updated(catalog.insights)  # new scores: no order kept
    qtbot.waitUntil(lambda: not view.runner.active, timeout=10000)
    counted_sorts.clear()
    for sort, rows in expected.items():
        view.sidebar.select_sort(sort)
        shown = view.model.positions(np.arange(view.model.rowCount()))
        assert shown.tolist() == rows, sort
    assert len(catalog) not in counted_sorts  # the window sorted nothing of its own


def test_small_projects_sort_when_chosen(qtbot, scored_view, counted_sorts):
    view = scored_view
    view._insights_updated(view.catalog.insights)
    assert not view.runner.active  # (no job: a few thousand images sort in a moment)
    counted_sorts.clear()
    view.sidebar.select_sort("confidence")
    assert len(view.catalog) in counted_sorts


def test_a_sort_kept_from_before_the_first_scores_waits_for_its_order_from_a_job(
    qtbot, scored_view, gui_thread_sorts, monkeypatch
):
    """Sorted by label fit before any scores (the place kept from the last session), the
    first scores' arrival sorted a million images on the GUI thread (0.1-0.3 s): the
    order is made by a job, the grid showing its rows as they were until then."""
    view = scored_view
    catalog = view.catalog
    insights = catalog.insights
    expected = catalog.filter(ImageFilter(sort="issue")).tolist()
    catalog.set_insights(None)  # as when the project opened: no scores yet
    view.sidebar.show_filter(ImageFilter(sort="issue"))
    shown_before = view.model.positions(np.arange(view.model.rowCount())).tolist()
    assert shown_before != expected  # (no scores: in path order)
    monkeypatch.setattr(sort_ahead, "AHEAD_MIN_IMAGES", 1)  # (a million images, as it were)
    gate, sorting = threading.Event(), sort_ahead.sort_orders

    def held_sort(keys):  # the job's sort waits: what the grid shows meanwhile
        assert gate.wait(10)
        return sorting(keys)

    monkeypatch.setattr(sort_ahead, "sort_orders", held_sort)
    gui_thread_sorts.clear()
    view._insights_updated(insights)  # the first scores arrive (taken by a job too)
    qtbot.waitUntil(lambda: catalog.insights is insights, timeout=10000)
    assert len(catalog) not in gui_thread_sorts  # the window sorted nothing itself
    shown = view.model.positions(np.arange(view.model.rowCount())).tolist()
    assert shown == shown_before and view.runner.active
    gate.set()
    qtbot.waitUntil(lambda: not view.runner.active, timeout=10000)
    shown = view.model.positions(np.arange(view.model.rowCount())).tolist()
    assert shown == expected
    assert view.sidebar.current_filter().sort == "issue"
    assert len(catalog) not in gui_thread_sorts
    counted = len(gui_thread_sorts)
    view.sidebar.select_sort("confidence")  # the others were made by that job too
    assert len(catalog) not in gui_thread_sorts[counted:]


def test_the_images_read_again_come_with_the_orders_by_score(
    qtbot, scored_view, gui_thread_sorts, monkeypatch
):
    """Sorted by confidence when every image is read again (a big project's rest after
    it opened, a rescan): the read's job makes the orders; the GUI thread sorted them."""
    view = scored_view
    view.sidebar.select_sort("confidence")
    expected = view.model.positions(np.arange(view.model.rowCount())).tolist()
    monkeypatch.setattr(sort_ahead, "AHEAD_MIN_IMAGES", 1)  # (a million images, as it were)
    before = view.catalog
    gui_thread_sorts.clear()
    view.fill_in()
    qtbot.waitUntil(lambda: view.catalog is not before and not view.runner.active, timeout=20000)
    assert len(view.catalog) not in gui_thread_sorts
    assert view.model.positions(np.arange(view.model.rowCount())).tolist() == expected


def test_a_sort_chosen_while_its_order_is_made_waits_for_the_job(
    qtbot, scored_view, gui_thread_sorts, monkeypatch
):
    """Sorted by confidence a moment after new scores came, before the job making the
    orders ended: the choice sorted a million images on the GUI thread (0.1-0.3 s). It
    waits for the job instead, the grid in its order and the Sort control showing it."""
    view = scored_view
    catalog = view.catalog
    expected = catalog.filter(ImageFilter(sort="confidence")).tolist()
    shown_before = view.model.positions(np.arange(view.model.rowCount())).tolist()
    assert shown_before != expected  # (in path order)
    monkeypatch.setattr(sort_ahead, "AHEAD_MIN_IMAGES", 1)  # (a million images, as it were)
    gate, begun, sorting = threading.Event(), threading.Event(), sort_ahead.sort_orders

    def held_sort(keys):  # the job's sort waits: the person chooses meanwhile
        begun.set()
        assert gate.wait(10)
        return sorting(keys)

    monkeypatch.setattr(sort_ahead, "sort_orders", held_sort)
    view._insights_updated(catalog.insights)  # new scores: their orders made by a job
    qtbot.waitUntil(begun.is_set, timeout=10000)
    gui_thread_sorts.clear()
    view.sidebar.select_sort("confidence")
    assert len(catalog) not in gui_thread_sorts  # the window sorted nothing itself
    assert view.model.positions(np.arange(view.model.rowCount())).tolist() == shown_before
    assert view.sidebar.current_filter().sort == "confidence"
    view.sidebar.select_sort("outlier")  # chosen again while it waits: the latest is shown
    view.sidebar.select_sort("confidence")
    assert len(catalog) not in gui_thread_sorts
    gate.set()
    qtbot.waitUntil(lambda: not view.runner.active, timeout=10000)
    assert view.model.positions(np.arange(view.model.rowCount())).tolist() == expected
    assert view.model.image_filter.sort == "confidence"
    assert len(catalog) not in gui_thread_sorts
