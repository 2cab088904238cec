"""With "Likely mislabeled" chosen, a rescoring changed the Images count ("(25)") while
the grid kept its 23 images (on purpose: tiles do not move under the person), and
nothing said so. A line under the Images choice does, with a link and a key that show
the new list; it goes once applied, or when the filter changes."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication


def _flag_more(view, count: int, unflag: int = 0):
    """The scores as a rescoring that flags ``count`` more images (and ``unflag`` fewer
    of those flagged) would give them."""
    insights = view.catalog.insights
    flagged = insights.flagged.copy()
    newly = np.flatnonzero(~flagged)[:count]
    flagged[np.flatnonzero(flagged)[:unflag]] = False
    flagged[newly] = True
    expected = insights.expected_errors + count - unflag  # the note keeps its words
    view._insights_updated(replace(insights, flagged=flagged, expected_errors=expected))
    return {int(i) for i in insights.ids[newly]}


def test_a_line_offers_the_images_flagged_since_the_list_was_shown(qtbot, scored_view):
    view = scored_view
    hint = view.sidebar.new_matches
    view.sidebar.select_show("flagged")
    shown = view.model.rowCount()
    assert shown > 0 and not hint.isVisible()
    view.grid.select_row(1)
    on = int(view.model.rows_to_ids([1])[0])
    images = view.sidebar.show_box

    def images_at() -> int:
        QApplication.processEvents()
        return images.mapTo(view.sidebar, images.rect().topLeft()).y()

    before = images_at()
    newly = _flag_more(view, 2)
    assert images_at() == before  # the line's room was kept: nothing moves under the pointer
    assert view.model.rowCount() == shown  # the grid keeps its images…
    assert hint.isVisible()  # …and says what changed, with the way to see it
    assert hint.text().startswith("2 more flagged since this list was shown: ")
    assert "show them</a> (Alt+S)" in hint.text()

    hint.linkActivated.emit("show")  # as a click on it does
    assert view.model.rowCount() == shown + 2
    assert newly <= set(view.model.rows_to_ids(np.arange(shown + 2)).tolist())
    assert not hint.isVisible()
    assert int(view.model.rows_to_ids([view.grid.currentIndex().row()])[0]) == on  # stays

    _flag_more(view, 1, unflag=1)  # the key does the same; what left the list is said
    assert hint.text().startswith("1 more flagged since (1 no longer): ")
    view.grid.setFocus()
    qtbot.keyClick(view.grid, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    assert view.model.rowCount() == shown + 2 and not hint.isVisible()


def test_the_line_goes_when_the_filter_changes(qtbot, scored_view):
    view = scored_view
    hint = view.sidebar.new_matches
    view.sidebar.select_show("flagged")
    _flag_more(view, 2)
    assert hint.isVisible()
    view.sidebar.select_show("all")
    assert not hint.isVisible() and not view.new_matches_action.isEnabled()
    view.sidebar.select_show("flagged")  # the list is read anew: nothing to add
    assert not hint.isVisible()
