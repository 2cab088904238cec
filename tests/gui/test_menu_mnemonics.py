"""Each menu's underlined letters are its own: in the Classes menu R was both Rename
class… and Remove label, and M both Merge class… and Remove class…, so Alt+C then R
only moved the highlight between the two and did neither (Qt's way with a letter two
entries share), with no word why."""

from __future__ import annotations

import re
from collections import defaultdict


def shared_letters(menu) -> dict[str, list[str]]:
    letters: dict[str, list[str]] = defaultdict(list)
    for action in menu.actions():
        found = re.search(r"&([^&])", action.text())
        if found and not action.isSeparator():
            letters[found.group(1).lower()].append(action.text())
    return {letter: texts for letter, texts in letters.items() if len(texts) > 1}


def test_no_two_entries_of_a_menu_share_their_letter(qtbot, window, project):
    assert window.open_project(project.path)
    for entry in window.menuBar().actions():
        menu = entry.menu()
        menu.aboutToShow.emit()  # (the Classes menu lists the class keys as it opens)
        assert shared_letters(menu) == {}, entry.text()
