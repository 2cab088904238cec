"""The browser's Tab order follows the screen: from the grid on to the detail panel at
its right (its neighbour strip first, as README says), then round to the sidebar at the
left, top to bottom, and back to the grid; Shift+Tab goes the other way."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget


def _area(view, widget: QWidget) -> str:
    for name in ("sidebar", "grid", "detail"):
        part = getattr(view, name)
        if widget is part or part.isAncestorOf(widget):
            return name
    return "other"


def _walk(qtbot, view, key: Qt.Key) -> list[QWidget]:
    view.grid.setFocus()
    seen: list[QWidget] = []
    for _ in range(30):
        qtbot.keyClick(view.focusWidget(), key)
        widget = view.focusWidget()
        if widget is view.grid:
            return seen
        seen.append(widget)
    raise AssertionError(f"Tab never came back to the grid: {seen}")


def test_tab_goes_grid_detail_sidebar_in_screen_order(qtbot, view):
    forward = _walk(qtbot, view, Qt.Key.Key_Tab)
    areas = [_area(view, w) for w in forward]
    assert forward[0] is view.detail.neighbours
    assert areas == sorted(areas, key=["detail", "sidebar"].index), areas  # no going back
    assert "sidebar" in areas and "other" not in areas
    for part in ("detail", "sidebar"):  # within a panel: top to bottom
        tops = [w.mapTo(view, w.rect().topLeft()).y() for w in forward if _area(view, w) == part]
        assert tops == sorted(tops), (part, tops)
    backward = _walk(qtbot, view, Qt.Key.Key_Backtab)
    assert backward == forward[::-1]
