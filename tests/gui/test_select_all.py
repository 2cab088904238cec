"""Ctrl+A selects every image as one range: QListView's own select-all asked the model
for its row count once per row (1.4 s of the GUI thread at 1M images,
benchmarks/bench_gui_stalls.py)."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QKeySequence

from labeldesk.gui.image_model import ImageListModel
from labeldesk.gui.thumbnail_grid import ThumbnailGrid


class CountingModel(ImageListModel):
    calls = 0

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        CountingModel.calls += 1
        return super().rowCount(parent)


def test_ctrl_a_selects_every_image_without_asking_about_each_row(qtbot, view):
    model = CountingModel()
    model.set_catalog(view.catalog)
    grid = ThumbnailGrid(model, None, view.metrics)
    qtbot.addWidget(grid)
    grid.resize(600, 400)
    grid.show()
    rows = model.rowCount()
    assert rows > 10
    grid.select_row(3)
    grid.setFocus()
    chosen = grid.selectionModel()
    chosen.blockSignals(True)  # only select-all's own questions are counted
    CountingModel.calls = 0
    grid.selectAll()
    chosen.blockSignals(False)
    assert CountingModel.calls < rows  # a few, not once per row (QListView: rows + 9)
    assert grid.selected_rows().tolist() == list(range(rows))
    grid.select_row(3)
    qtbot.keySequence(grid, QKeySequence(QKeySequence.StandardKey.SelectAll))  # Ctrl+A
    assert grid.selected_rows().tolist() == list(range(rows))
    assert grid.currentIndex().row() == 3  # the current image stays
    qtbot.keyClick(grid, Qt.Key.Key_Escape)  # Esc narrows it to the current image
    assert grid.selected_rows().tolist() == [3]
