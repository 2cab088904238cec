"""Help → Keyboard shortcuts names the accept / open-large key "Enter", the word on the
key and the one README uses; it said "Return" there, and "Enter" in other rows of the
same list, so a reader could think they were two different keys."""

from __future__ import annotations

from labeldesk.gui.dialogs import ShortcutsDialog

LARGE = "Show the current image large (+ and - zoom; any other key or a click closes it)"


def listed(qtbot) -> dict[str, str]:
    dialog = ShortcutsDialog()
    qtbot.addWidget(dialog)
    table = dialog.table
    return {table.item(r, 1).text(): table.item(r, 0).text() for r in range(table.rowCount())}


def test_accept_and_open_large_say_enter(qtbot):
    rows = listed(qtbot)
    assert rows["Review: accept the suggestion or prediction"] == "Enter"
    assert rows[LARGE] == "Enter"


def test_no_row_says_return(qtbot):
    assert not any("Return" in keys for keys in listed(qtbot).values())
