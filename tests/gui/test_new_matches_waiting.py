""" "Show the flagged list as it is now" (Alt+S) pressed while the new scores' orders are
still being made (at a million images, sorted by label fit): the list waits for the order
(:class:`~labeldesk.gui.sort_ahead.ChosenSort`), and when it was shown the current image
was the first one, not the one the person was on. It stays current, as when shown at once."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from gui.held_join import hold_orders


def current_id(view) -> int:
    current = view.grid.currentIndex()
    assert current.isValid()
    return int(view.model.rows_to_ids([current.row()])[0])


def test_the_new_list_shown_while_its_order_is_made_keeps_the_current_image(
    qtbot, scored_view, monkeypatch
):
    view = scored_view
    monkeypatch.setattr(view.feed, "labels_changed", lambda earlier=False: None)  # (no rescoring)
    hint = view.sidebar.new_matches
    view.sidebar.select_sort("issue")
    view.sidebar.select_show("flagged")
    shown = view.model.rowCount()
    assert shown >= 2
    view.grid.select_row(shown - 1)  # the last: not the one a new list starts on
    on = current_id(view)
    begun, gate = hold_orders(monkeypatch)
    insights = view.catalog.insights
    flagged = insights.flagged.copy()
    newly = np.flatnonzero(~flagged)[:2]
    flagged[newly] = True
    view._insights_updated(replace(insights, flagged=flagged))  # two more flagged
    qtbot.waitUntil(begun.is_set, timeout=10000)  # (their orders being made: held)
    assert hint.pending and view.model.rowCount() == shown
    view.show_new_matches()  # Alt+S: waits for the order
    assert current_id(view) == on
    gate.set()
    qtbot.waitUntil(lambda: not view.runner.active, timeout=10000)
    assert view.model.rowCount() == shown + 2  # the new list is shown…
    assert not hint.isVisible()
    assert view.model.row_of_id(on) >= 0
    assert view.model.row_of_id(on) != 0
    assert current_id(view) == on  # …on the image the person was on
