"""The browser's nearest-neighbour strip shows whole rows of tiles: at 1280 × 720 a
6-px sliver of the second row's pictures showed under the first, at 1600 × 1000 the
second row was cut across its pictures and captions. The room under the last whole row
now stays blank (the list still scrolls to the rest)."""

from __future__ import annotations

import pytest

from gui.shown import shown
from labeldesk.gui.project_view import ProjectView


@pytest.mark.parametrize("size", [(1280, 650), (1600, 930), (1400, 800)])
def test_the_strip_shows_whole_rows(qtbot, clustered, size):
    project, _ = clustered
    view = ProjectView(project)
    shown(qtbot, view, size)
    try:
        strip = view.detail.neighbours
        row = strip.gridSize().height()
        qtbot.waitUntil(lambda: strip.viewport().height() >= row, timeout=5000)
        qtbot.wait(50)
        height = strip.viewport().height()
        assert height % row == 0, (height, row)
        # and the strip keeps every whole row its box has room for
        inner = strip.height() - 2 * strip.frameWidth()
        assert inner - height < row
    finally:
        view.shutdown()
