"""A selection arriving (from the map, a confusion cell) leaves the class rows where they
were: the banner over them pushed them down by its one to four lines, and the class the
eye was on moved. It now sits under the list, whose end gives way."""

from __future__ import annotations

from PySide6.QtCore import QPoint


def row_top(sidebar, row: int) -> int:
    tree = sidebar.class_list
    rect = tree.visualItemRect(tree.topLevelItem(row))
    return tree.viewport().mapTo(sidebar, rect.topLeft()).y()


def test_the_banner_does_not_move_the_class_rows(qtbot, view):
    view.resize(1280, 720)
    sidebar = view.sidebar
    qtbot.waitUntil(lambda: sidebar.class_list.topLevelItemCount() > 2)
    rows = [row_top(sidebar, n) for n in range(3)]
    add_class = sidebar.add_class_button.mapTo(sidebar, QPoint(0, 0)).y()
    paths = frozenset(view.model.paths_of_rows(range(2)))
    cell = (
        "the model thinks bee, labeled ant (every split) in the confusion matrix, "
        "12 images when the cell was opened"
    )
    for text in ("selected on the map", cell):
        sidebar.set_selection(text, paths=paths)
        qtbot.waitUntil(lambda: sidebar.banner.isVisible())
        qtbot.waitUntil(lambda: sidebar.banner.height() > 20)
        assert [row_top(sidebar, n) for n in range(3)] == rows
        assert sidebar.add_class_button.mapTo(sidebar, QPoint(0, 0)).y() == add_class
        banner = sidebar.banner.geometry()
        assert banner.top() >= sidebar.class_list.geometry().bottom()  # not over a row
    sidebar.clear_selection()
    assert [row_top(sidebar, n) for n in range(3)] == rows
