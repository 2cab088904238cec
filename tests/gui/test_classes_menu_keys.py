"""The Classes menu lists the classes there are, each with its key, and one disabled
entry for the key the next class gets: not 33 entries, most "(no class yet)", in a menu
taller than the window."""

from __future__ import annotations

from PySide6.QtCore import Qt


def key_entries(window) -> list[tuple[str, bool]]:
    """The menu's entries between its two last separators: (text, enabled)."""
    menu = window.menus.classes_menu
    menu.aboutToShow.emit()
    actions = menu.actions()
    seps = [i for i, a in enumerate(actions) if a.isSeparator()]
    return [(a.text(), a.isEnabled()) for a in actions[seps[-2] + 1 : seps[-1]]]


def test_the_menu_lists_the_classes_and_the_next_free_key(qtbot, window, project):
    window.open_project(project.path)
    view = window.view
    try:
        assert key_entries(window) == [
            ("&1  cat", True),
            ("&2  dog", True),
            ("3  (the next class added)", False),
        ]
        view.labeling.add_classes([f"c{n}" for n in range(3, 13)])  # classes 3 … 12
        entries = key_entries(window)
        assert len(entries) == 13  # 12 classes and the hint
        assert entries[9] == ("A  c10", True)  # the tenth class's key is A, not 10
        assert entries[-1] == ("D  (the next class added)", False)
        assert not any("no class yet" in text for text, _ in entries)
        menu = window.menus.classes_menu
        assert menu.sizeHint().height() < window.height()
        # A key with no class still says why nothing happened, though the menu hides it.
        view.grid.setFocus()
        view.grid.select_row(0)
        with qtbot.waitSignal(view.labeling.message) as message:
            qtbot.keyClick(view.grid, Qt.Key.Key_F)
        assert "No class for key F" in message.args[0]
    finally:
        window.close_project()
