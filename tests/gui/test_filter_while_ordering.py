"""A class (or split, or search) chosen while the grid is sorted by a model value whose
order a job is making waits for that job, as a sort chosen then does: at a million
images it was sorted on the GUI thread on the spot (0.1-0.3 s). The grid keeps its rows
meanwhile, the sidebar shows the choice; a choice that reads its rows next (a neighbour
clicked, a map's selection) is shown at once."""

from __future__ import annotations

import numpy as np
import pytest

from gui.held_join import hold_orders
from labeldesk.browse.image_records import ImageFilter


def shown(view) -> list[int]:
    return view.model.positions(np.arange(view.model.rowCount())).tolist()


def rescored(view) -> None:
    """New scores (the same values) arrive: their orders are made by a job."""
    view._insights_updated(view.catalog.insights)


def first_scores(view) -> None:
    """The first scores arrive with the grid sorted by label fit (kept from before)."""
    insights = view.catalog.insights
    view.catalog.set_insights(None)
    view.sidebar.show_filter(ImageFilter(sort="issue"))
    view._insights_updated(insights)


@pytest.mark.parametrize(
    ("sort", "arrive"), [("confidence", rescored), ("issue", first_scores)], ids=["new", "first"]
)
def test_a_class_chosen_while_the_order_is_made_waits_for_the_job(
    qtbot, scored_view, gui_thread_sorts, monkeypatch, sort, arrive
):
    view = scored_view
    catalog = view.catalog
    view.sidebar.select_sort(sort)
    chosen = catalog.classes[1]
    expected = catalog.filter(ImageFilter(label=chosen, sort=sort)).tolist()
    begun, gate = hold_orders(monkeypatch)
    try:
        arrive(view)
        qtbot.waitUntil(begun.is_set, timeout=10000)
        before = shown(view)
        gui_thread_sorts.clear()
        view.sidebar.select_class(chosen)
        assert len(catalog) not in gui_thread_sorts  # the window sorted nothing itself
        assert shown(view) == before  # (the grid keeps its rows until the order is made)
        assert view.sidebar.current_filter() == ImageFilter(label=chosen, sort=sort)
        assert view.chosen_filter() == view.sidebar.current_filter()
        view.sidebar.search.setText("x")  # typed on while it waits: the latest is shown
        view.sidebar.search.clear()
    finally:
        gate.set()
    qtbot.waitUntil(lambda: view.model.image_filter.label == chosen, timeout=10000)
    qtbot.waitUntil(lambda: not view.runner.active, timeout=10000)
    assert view.model.image_filter == ImageFilter(label=chosen, sort=sort)
    assert shown(view) == expected
    assert len(catalog) not in gui_thread_sorts


def test_a_neighbour_clicked_while_the_order_is_made_is_shown_at_once(
    qtbot, scored_view, monkeypatch
):
    """Sorted by confidence within one class, new scores' orders being made: a neighbour
    of another class clicked widens the filter at once and selects that image (the
    filter waiting for its order would have left the grid as it was, nothing chosen)."""
    view = scored_view
    catalog = view.catalog
    view.sidebar.show_filter(ImageFilter(label=catalog.classes[0], sort="confidence"))
    other = int(catalog.ids[np.flatnonzero(catalog.label_codes == 1)[0]])
    assert view.model.row_of_id(other) < 0
    begun, gate = hold_orders(monkeypatch)
    try:
        rescored(view)
        qtbot.waitUntil(begun.is_set, timeout=10000)
        view.jump_to(other)
        row = view.model.row_of_id(other)
        assert row >= 0 and view.grid.currentIndex().row() == row
        assert view.model.image_filter == ImageFilter(sort="confidence")
    finally:
        gate.set()
    qtbot.waitUntil(lambda: not view.runner.active, timeout=10000)
    assert view.grid.currentIndex().row() == view.model.row_of_id(other)


def test_a_map_selection_made_while_the_order_is_made_is_shown_at_once(
    qtbot, scored_view, monkeypatch
):
    """Its images arrive selected, all of them (a key then labels them): they must be
    the grid's rows at once."""
    view = scored_view
    catalog = view.catalog
    view.sidebar.select_sort("confidence")
    paths = [str(p) for p in catalog.paths[:5]]
    begun, gate = hold_orders(monkeypatch)
    try:
        rescored(view)
        qtbot.waitUntil(begun.is_set, timeout=10000)
        view.show_paths(paths, "selected on the map", select_all=True)
        assert sorted(view.model.paths_of_rows(list(range(view.model.rowCount())))) == paths
        assert len(view.grid.selected_rows()) == len(paths)
    finally:
        gate.set()
    qtbot.waitUntil(lambda: not view.runner.active, timeout=10000)


def test_a_class_renamed_while_it_waits_for_its_order_is_shown_by_its_new_name(
    qtbot, scored_view, clustered, monkeypatch
):
    """The class chosen (waiting for the order) is renamed meanwhile: the grid then shows
    its images under the new name, not an empty list under the old one."""
    project = clustered[0]
    view = scored_view
    catalog = view.catalog
    monkeypatch.setattr(view.feed, "labels_changed", lambda earlier=False: None)  # (no rescoring)
    view.sidebar.select_sort("confidence")
    chosen = catalog.classes[1]
    expected = catalog.filter(ImageFilter(label=chosen, sort="confidence")).tolist()
    begun, gate = hold_orders(monkeypatch)
    try:
        rescored(view)
        qtbot.waitUntil(begun.is_set, timeout=10000)
        view.sidebar.select_class(chosen)
        assert view.model.image_filter.label is None  # (waiting)
        project.rename_class(chosen, f"{chosen}_renamed")
        qtbot.waitUntil(lambda: f"{chosen}_renamed" in catalog.classes, timeout=10000)
        qtbot.waitUntil(lambda: not view.rows.busy, timeout=10000)
        assert view.model.image_filter.label is None  # (the grid's filter: every class)
    finally:
        gate.set()
    qtbot.waitUntil(lambda: view.model.image_filter.label is not None, timeout=10000)
    qtbot.waitUntil(lambda: not view.runner.active and not view.rows.busy, timeout=10000)
    assert view.model.image_filter.label == f"{chosen}_renamed"
    assert sorted(shown(view)) == sorted(expected)
