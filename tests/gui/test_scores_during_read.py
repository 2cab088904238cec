"""New scores that arrive while every image is read again (a big project's rest after it
opened, a rescan) are joined onto the catalog read by a follow-up job, its orders made
there too: at a million images they were joined on the GUI thread (~0.4 s) and a sort
by score shown was sorted there on the spot. The old catalog stays shown until then, and
a person's edit made meanwhile reaches the new one."""

from __future__ import annotations

import threading
from dataclasses import replace

import numpy as np

from gui.held_join import flagged_image, press_bee
from labeldesk.browse.catalog import ImageCatalog
from labeldesk.browse.image_records import ImageFilter
from labeldesk.gui import sort_ahead


def hold_reads(monkeypatch) -> threading.Event:
    """The re-read's job waits until the returned event is set (the GUI thread's own
    reads do not)."""
    gate = threading.Event()
    load = ImageCatalog.load.__func__  # type: ignore[attr-defined]

    def held(cls, project, first=None):
        if threading.current_thread() is not threading.main_thread():
            assert gate.wait(30)
        return load(cls, project, first)

    monkeypatch.setattr(ImageCatalog, "load", classmethod(held))
    return gate


def fresh_scores(view):
    """New scores for every image: the label fit reversed (another order by label fit)."""
    insights = view.feed.latest
    return replace(insights, issue_score=insights.issue_score[::-1].copy())


def shown_ids(view) -> list[int]:
    return view.model.rows_to_ids(np.arange(view.model.rowCount())).tolist()


def test_scores_that_come_while_the_images_are_read_are_joined_by_a_job(
    qtbot, scored_view, clustered, gui_thread_sorts, monkeypatch
):
    view = scored_view
    monkeypatch.setattr(view.feed, "labels_changed", lambda earlier=False: None)  # (no rescoring)
    view.sidebar.select_sort("issue")
    fresh = fresh_scores(view)
    probe = ImageCatalog.load(clustered[0])  # (the order the new scores give, made here)
    probe.set_insights(fresh)
    expected = probe.ids[probe.filter(ImageFilter(sort="issue"))].tolist()
    assert expected != shown_ids(view)
    monkeypatch.setattr(sort_ahead, "AHEAD_MIN_IMAGES", 1)  # (a million images, as it were)
    gate = hold_reads(monkeypatch)
    old = view.catalog
    gui_thread_sorts.clear()
    try:
        assert view.fill_in() is not None
        view.feed._finished(fresh)  # the new scores arrive while it reads
    finally:
        gate.set()
    qtbot.waitUntil(lambda: view.catalog is not old and not view.runner.active, timeout=20000)
    assert view.catalog.insights is fresh
    assert shown_ids(view) == expected
    assert view.sidebar.current_filter().sort == "issue"
    assert len(view.catalog) not in gui_thread_sorts  # the window sorted nothing itself


def test_a_relabel_made_while_the_scores_are_joined_onto_the_read_reaches_it(
    qtbot, scored_view, clustered, gui_thread_sorts, monkeypatch
):
    """The person relabels a flagged image while the follow-up job joins the scores onto
    the images read: the old catalog, still shown, takes the relabel, and so does the
    new one once shown (the follow-up counts as the re-read: the row is read again)."""
    project, flipped = clustered
    view = scored_view
    monkeypatch.setattr(view.feed, "labels_changed", lambda earlier=False: None)  # (no rescoring)
    view.sidebar.select_sort("issue")
    fresh = fresh_scores(view)
    monkeypatch.setattr(sort_ahead, "AHEAD_MIN_IMAGES", 1)  # (a million images, as it were)
    gate = hold_reads(monkeypatch)
    joining, joined, make = threading.Event(), threading.Event(), sort_ahead.make_orders

    def held_orders(catalog):  # the follow-up's orders wait (the read's own do not)
        if catalog.insights is fresh:
            joining.set()
            assert joined.wait(30)
        make(catalog)

    monkeypatch.setattr(sort_ahead, "make_orders", held_orders)
    old = view.catalog
    image_id, position = flagged_image(view, project, flipped[0])
    flags = int(old.flagged.sum())
    gui_thread_sorts.clear()
    try:
        assert view.fill_in() is not None
        view.feed._finished(fresh)  # the new scores arrive while it reads
        gate.set()
        qtbot.waitUntil(joining.is_set, timeout=20000)
        assert view.catalog is old and view.fill_job.running  # (old shown, still reading)
        press_bee(qtbot, view, image_id, position, timeout=20000)
    finally:
        gate.set()
        joined.set()
    qtbot.waitUntil(lambda: view.catalog is not old and not view.runner.active, timeout=20000)
    qtbot.waitUntil(lambda: not view.rows.busy, timeout=20000)
    catalog = view.catalog
    assert catalog.insights is fresh
    new_position = int(catalog.positions_of([image_id])[0])
    assert catalog.labels[new_position] == "bee"
    assert not catalog.flagged[new_position]  # the person's relabel stays
    assert int(catalog.flagged.sum()) == flags - 1  # the others stay flagged
    assert not view.model.tile(view.model.row_of_id(image_id)).flagged
    assert len(catalog) not in gui_thread_sorts
