"""Enter on the grid shows the current image large, over the window (as a click on a
neighbour does in the review); any key or click closes it and decides nothing. Before,
the browser had no key for it (Enter did nothing)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from labeldesk.gui.image_model import ImageRole
from labeldesk.gui.shortcuts import shortcut_table


def test_enter_shows_the_current_image_large_and_any_key_closes_it(qtbot, view, project):
    view.grid.select_row(2)
    index = view.model.index(2, 0)
    path = index.data(ImageRole.Path)
    label_before = index.data(ImageRole.Label)
    qtbot.keyClick(view.grid, Qt.Key.Key_Return)
    popup = view.detail.large
    assert popup is not None and popup.isVisible()
    assert popup.path == path
    assert path in popup.caption.text()
    qtbot.waitUntil(lambda: popup.picture.has_image() and popup.picture.width() > 100)
    qtbot.keyClick(popup, Qt.Key.Key_1)  # a label key: it only closes the view
    assert not popup.isVisible()
    assert view.model.index(2, 0).data(ImageRole.Label) == label_before
    assert view.grid.selected_rows().tolist() == [2]


def test_the_key_list_names_it():
    rows = {action: keys for keys, action in shortcut_table()}
    what = "Show the current image large (+ and - zoom; any other key or a click closes it)"
    assert rows.get(what) == "Enter"
