"""The grid's arithmetic layout: geometry, hit tests, keys, ranges, and painting only
what is on screen, on a 200,000-row model."""

from __future__ import annotations

import gc

import pytest
from PySide6.QtCore import QModelIndex, QPoint, Qt

from gui.shown import shown
from labeldesk.gui.grid_layout import GridGeometry
from labeldesk.gui.image_model import ImageListModel, TileData
from labeldesk.gui.thumbnail_grid import ThumbnailGrid
from labeldesk.gui.tile_delegate import TileMetrics

ROWS = 200_000


class CountingModel(ImageListModel):
    """N rows without a catalog; records every row a view asks about."""

    def __init__(self, rows: int):
        super().__init__()
        self.rows = rows
        self.tiles: list[int] = []
        self.data_rows: list[int] = []

    def rowCount(self, parent=QModelIndex()):  # noqa: B008
        return 0 if parent.isValid() else self.rows

    def tile(self, row: int) -> TileData:
        self.tiles.append(row)
        return TileData(None, "cat", row % 3, "train", None, False)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        self.data_rows.append(index.row())
        return None


@pytest.fixture
def big(qtbot):
    model = CountingModel(ROWS)
    grid = ThumbnailGrid(model, metrics=TileMetrics())
    shown(qtbot, grid, (900, 700))
    grid.setFocus()
    grid.viewport().repaint()
    yield grid, model
    grid.close()
    gc.collect()  # not later, inside another test's reference counts


def on_screen(grid: ThumbnailGrid) -> set[int]:
    area = grid.viewport().rect()
    return {
        r for r in grid.visible_rows() if grid.visualRect(grid.model().index(r)).intersects(area)
    }


def test_geometry_places_hits_and_blocks_by_arithmetic():
    geo = GridGeometry.fit(count=10, width=390, tile_width=124, tile_height=150)
    assert (geo.columns, geo.cell_width, geo.lines, geo.height) == (3, 130, 4, 600)
    assert geo.cell(4) == (130, 150, 130, 150)
    assert geo.row_at(131, 151) == 4 and geo.row_at(389, 0) == 2
    assert geo.row_at(390, 0) == -1  # right of the last column
    assert geo.row_at(130, 450) == -1  # line 3 holds only row 9
    assert geo.rows_in_band(149, 150) == range(0, 6)
    assert geo.block(140, 10, 300, 160) == [(1, 2), (4, 5)]  # two lines, two columns
    assert geo.block(0, 10, 389, 460) == [(0, 9)]  # every column: one range


def test_keys_move_in_reading_order_across_lines():
    geo = GridGeometry(count=10, columns=3, cell_width=10, cell_height=10)
    assert geo.move(2, "right", 1) == 3  # end of a line -> next line's first tile
    assert geo.move(3, "left", 1) == 2
    assert geo.move(7, "down", 1) == 9  # the last line is shorter: its last tile
    assert geo.move(9, "down", 1) == 9
    assert geo.move(1, "up", 1) == 1
    assert geo.move(5, "page_up", 5) == 2
    assert (geo.move(5, "home", 1), geo.move(0, "end", 1)) == (0, 9)


def test_visual_rect_and_index_at_agree_after_scrolling(big):
    grid, model = big
    columns = grid.grid_geometry().columns
    assert columns == grid.viewport().width() // TileMetrics().size.width() > 1
    grid.scrollTo(model.index(123_457))
    rect = grid.visualRect(model.index(123_457))
    assert grid.viewport().rect().contains(rect)
    assert rect.x() == (123_457 % columns) * grid.grid_geometry().cell_width
    assert grid.indexAt(rect.center()).row() == 123_457
    assert grid.indexAt(rect.topLeft() + QPoint(grid.grid_geometry().cell_width, 0)).row() == (
        123_458 if 123_458 % columns else -1
    )


def test_painting_asks_only_for_rows_on_screen(qtbot, big):
    grid, model = big
    assert model.tiles and set(model.tiles) <= on_screen(grid)
    model.tiles.clear()
    grid.verticalScrollBar().setValue(grid.verticalScrollBar().maximum())
    grid.viewport().repaint()
    shown = on_screen(grid)
    assert ROWS - 1 in shown
    assert set(model.tiles) == shown  # the last screen, and nothing before it
    assert len(model.data_rows) < 2 * len(shown)


def test_arrow_keys_cross_lines_and_shift_selects_a_reading_order_range(qtbot, big):
    grid, model = big
    columns = grid.grid_geometry().columns
    grid.select_row(columns - 1)  # last tile of the first line
    qtbot.keyClick(grid, Qt.Key.Key_Right)
    assert grid.currentIndex().row() == columns
    qtbot.keyClick(grid, Qt.Key.Key_Down)
    assert grid.currentIndex().row() == 2 * columns
    qtbot.keyClick(grid, Qt.Key.Key_Up, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(grid, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    assert list(grid.selected_rows()) == list(range(columns - 1, 2 * columns + 1))
    qtbot.keyClick(grid, Qt.Key.Key_End)
    assert list(grid.selected_rows()) == [ROWS - 1]
    assert grid.viewport().rect().contains(grid.visualRect(model.index(ROWS - 1)))


def test_shift_click_ctrl_click_and_select_all(qtbot, big):
    grid, model = big
    columns = grid.grid_geometry().columns

    def click(row: int, modifier=Qt.KeyboardModifier.NoModifier) -> None:
        center = grid.visualRect(model.index(row)).center()
        qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, modifier, center)

    click(2)
    click(columns + 1, Qt.KeyboardModifier.ShiftModifier)  # left of 2, one line down
    assert list(grid.selected_rows()) == list(range(2, columns + 2))
    click(3 * columns, Qt.KeyboardModifier.ControlModifier)
    assert list(grid.selected_rows()) == [*range(2, columns + 2), 3 * columns]
    click(2, Qt.KeyboardModifier.ControlModifier)  # toggles off
    assert 2 not in grid.selected_rows()
    qtbot.keyClick(grid, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert len(grid.selected_rows()) == ROWS


def test_a_rubber_band_selects_the_block_it_touches(qtbot, big):
    grid, model = big
    columns = grid.grid_geometry().columns
    start = grid.visualRect(model.index(1)).center()
    end = grid.visualRect(model.index(columns + 2)).center()
    viewport = grid.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    for step in (0.3, 0.6, 1.0):
        point = start + (end - start) * step
        qtbot.mouseMove(viewport, point)
        grid.mouseMoveEvent(  # offscreen QTest moves carry no buttons: send one that does
            _move_event(viewport, point)
        )
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=end)
    assert list(grid.selected_rows()) == [1, 2, columns + 1, columns + 2]


def _move_event(widget, point: QPoint):
    from PySide6.QtCore import QEvent, QPointF
    from PySide6.QtGui import QMouseEvent

    local = QPointF(point)
    return QMouseEvent(
        QEvent.Type.MouseMove,
        local,
        QPointF(widget.mapToGlobal(point)),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )


def test_label_key_moves_the_selection_to_the_next_image_on_the_next_line(qtbot, view):
    grid = view.grid
    columns = grid.grid_geometry().columns
    grid.select_row(columns - 1)
    qtbot.keyClick(grid, Qt.Key.Key_1)
    assert list(grid.selected_rows()) == [columns]
    assert grid.currentIndex().row() == columns
    assert view.model.catalog.labels[view.model.position(columns - 1)] == "cat"
    assert grid.viewport().rect().contains(grid.visualRect(view.model.index(columns)))


def test_counts_wait_for_a_pause_in_the_keys_on_big_projects_only(qtbot):
    from PySide6.QtCore import QObject

    from labeldesk.gui.deferred import Deferred

    calls: list[int] = []
    parent = QObject()
    soon = Deferred(parent, delay_ms=50)
    soon.due.connect(lambda: calls.append(1))
    soon(now=True)
    assert calls == [1] and not soon.pending  # small: at once
    for _ in range(3):  # three keys in a row on a big project: one refresh, after a pause
        soon(now=False)
    assert calls == [1] and soon.pending
    qtbot.waitUntil(lambda: len(calls) == 2, timeout=2000)
    qtbot.wait(120)
    assert calls == [1, 1]
    soon(now=False)
    soon.cancel()  # the view shut down: a waiting refresh is dropped
    qtbot.wait(120)
    assert calls == [1, 1]


def test_screen_readers_still_see_a_list_of_items_where_the_tiles_are(big):
    from PySide6.QtGui import QAccessible

    grid, model = big
    grid.scrollTo(model.index(5_000))
    iface = QAccessible.queryAccessibleInterface(grid)
    assert iface.role() == QAccessible.Role.List and iface.childCount() == ROWS
    item = iface.child(5_000)
    assert item.role() == QAccessible.Role.ListItem
    rect = grid.visualRect(model.index(5_000))
    assert item.rect().topLeft() == grid.viewport().mapToGlobal(rect.topLeft())
