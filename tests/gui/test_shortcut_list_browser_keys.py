"""Help → Keyboard shortcuts lists the browser's own keys that README's "Using the app"
describes: Esc narrows a selection of many to the current image, Tab reaches the
nearest neighbours, and the search field's Enter/↓ and Esc. The list said "lists every
key" but had none of them, so a person who selected all had no way to find Esc there."""

from __future__ import annotations

from labeldesk.gui.dialogs import ShortcutsDialog


def rows(qtbot) -> list[tuple[str, str]]:
    dialog = ShortcutsDialog()
    qtbot.addWidget(dialog)
    table = dialog.table
    return [(table.item(r, 0).text(), table.item(r, 1).text()) for r in range(table.rowCount())]


def test_the_list_has_the_browser_keys(qtbot):
    listed = rows(qtbot)
    assert any(k == "Esc" and "current image" in what for k, what in listed)
    assert any(k == "Tab" and "neighbours" in what for k, what in listed)
    assert any("Esc" in k and "search" in what for k, what in listed)  # leaving the search
