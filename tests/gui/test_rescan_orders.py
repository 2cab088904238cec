"""A rescan that finds files edited in place drops the model's values of those images
(they judged the old pictures). At a million images, dropping them on the GUI thread also
dropped the browser's orders by score, and the sort by label fit shown was then made
there (0.1-0.3 s held). The re-read's job forgets them in the catalog it reads and makes
its orders after, so the window sorts nothing; the grid shows the same order either way,
the edited images among those without a score."""

from __future__ import annotations

import numpy as np
from helpers import write_image

from labeldesk.browse.image_records import ImageFilter
from labeldesk.gui import sort_ahead


def shown_ids(view) -> list[int]:
    return view.model.rows_to_ids(np.arange(view.model.rowCount())).tolist()


def expected_ids(view, forgotten: list[int]) -> list[int]:
    """The order by label fit with ``forgotten``'s values dropped, made apart."""
    catalog = view.catalog
    issue = catalog.issue_scores.copy()
    issue[catalog.positions_of(forgotten)] = np.nan
    order = np.argsort(np.where(np.isnan(issue), np.inf, issue), kind="stable")
    return catalog.ids[order].tolist()


def test_a_rescan_that_finds_edited_files_sorts_by_score_off_the_gui_thread(
    qtbot, scored_view, clustered, gui_thread_sorts, monkeypatch
):
    project, flipped = clustered
    view = scored_view
    monkeypatch.setattr(view.feed, "labels_changed", lambda earlier=False: None)  # (no
    monkeypatch.setattr(view.feed, "refresh", lambda quiet=False: None)  # rescoring)
    view.sidebar.select_sort("issue")
    monkeypatch.setattr(sort_ahead, "AHEAD_MIN_IMAGES", 1)  # (a million images, as it were)
    edited = project.ids_for([flipped[0]])[flipped[0]]
    expected = expected_ids(view, [edited])
    assert expected != shown_ids(view)  # (its fit was known: it moves to the end)
    old = view.catalog
    write_image(project.root / flipped[0], size=(9, 9), seed=999, fmt="PNG")
    gui_thread_sorts.clear()
    project.scan(workers=1)
    qtbot.waitUntil(lambda: view.catalog is not old and not view.runner.active, timeout=20000)
    catalog = view.catalog
    assert catalog.insight(int(catalog.positions_of([edited])[0])) is None  # forgotten
    assert len(catalog) not in gui_thread_sorts  # the window sorted nothing itself
    assert shown_ids(view) == expected
    assert view.sidebar.current_filter().sort == "issue"

    # read again before a rescoring: the values joined anew for it stay forgotten, and
    # still nothing is sorted here
    old = view.catalog
    view.fill_in()
    qtbot.waitUntil(lambda: view.catalog is not old and not view.runner.active, timeout=20000)
    catalog = view.catalog
    assert catalog.insight(int(catalog.positions_of([edited])[0])) is None
    assert len(catalog) not in gui_thread_sorts
    assert shown_ids(view) == expected
    assert catalog.filter(ImageFilter(sort="issue")).tolist() == list(
        catalog.positions_of(expected)
    )
