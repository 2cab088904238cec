"""A right click on a tile opens a menu that labels the selected images, as the keys
and the Classes menu do (before, a right click did nothing)."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QPoint, Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QMenu


def opened_menus(view, monkeypatch) -> list[QMenu]:
    """The menus the grid opens from now on (recorded, not shown: a test cannot close
    a real one)."""
    opened: list[QMenu] = []
    monkeypatch.setattr(view.grid_menu, "open", lambda menu, _where: opened.append(menu))
    return opened


def right_click(qtbot, view, row: int, monkeypatch) -> list[QMenu]:
    """Press the right button on ``row``'s tile and ask for its context menu, as a
    desktop does; returns the menus that would have opened (not opened: offscreen)."""
    opened, grid = opened_menus(view, monkeypatch), view.grid
    pos = grid.visualRect(grid.model().index(row, 0)).center()
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.RightButton, pos=pos)
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, grid.viewport().mapToGlobal(pos))
    QApplication.sendEvent(grid.viewport(), event)
    return opened


def texts(menu: QMenu) -> list[str]:
    return [a.text() for a in menu.actions() if not a.isSeparator()]


def test_a_right_click_labels_the_tile_under_the_pointer(qtbot, view, project, monkeypatch):
    view.grid.select_row(0)
    path = view.model.path(1)
    assert project.images().set_index("path").label[path] != "dog"
    [menu] = right_click(qtbot, view, 1, monkeypatch)
    assert list(view.grid.selected_rows()) == [1]  # the click selected the tile
    assert texts(menu) == [
        "&1  cat",
        "&2  dog",
        "Remove &label",
        "E&xclude / include",
    ]
    next(a for a in menu.actions() if a.text() == "&2  dog").trigger()
    assert project.images().set_index("path").label[path] == "dog"
    assert project.history(path)[0].new_label == "dog"  # one change, which Ctrl+Z undoes


def test_a_right_click_in_a_selection_keeps_it(qtbot, view, project, monkeypatch):
    model = view.grid.model()
    chosen = QItemSelection(model.index(1), model.index(3))
    view.grid.selectionModel().select(chosen, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    [menu] = right_click(qtbot, view, 2, monkeypatch)
    assert list(view.grid.selected_rows()) == [1, 2, 3]
    next(a for a in menu.actions() if a.text() == "&1  cat").trigger()
    labels = project.images().set_index("path").label
    assert all(labels[view.model.path(row)] == "cat" for row in (1, 2, 3))


def test_no_menu_away_from_the_tiles(qtbot, view, monkeypatch):
    opened, grid = opened_menus(view, monkeypatch), view.grid
    below = QPoint(5, grid.viewport().height() - 2)
    assert not grid.indexAt(below).isValid()
    event = QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse, below, grid.viewport().mapToGlobal(below)
    )
    QApplication.sendEvent(grid.viewport(), event)
    assert opened == []
