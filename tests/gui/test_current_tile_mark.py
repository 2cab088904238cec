"""With several tiles selected, the current one (the tile Esc narrows the selection to,
and the one the detail panel shows) looked exactly like the other selected tiles."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor


def _padding_colour(view, row: int) -> QColor:
    """The colour between a tile's frame and its image (its left padding, half-way down)."""
    grid = view.grid
    image = grid.viewport().grab().toImage()
    ratio = image.devicePixelRatio() or 1.0
    rect = grid.visualRect(grid.model().index(row, 0))
    width = min(rect.width(), grid.metrics.size.width())  # the tile, centred in its cell
    x, y = rect.center().x() - width // 2 + 6, rect.center().y()
    return image.pixelColor(round(x * ratio), round(y * ratio))


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("grid_focused", [True, False])
def test_the_current_tile_is_marked_among_the_selected(
    qtbot, qapp, light_theme, view, theme, grid_focused
):
    from labeldesk.gui.theme import apply_theme

    apply_theme(qapp, theme)
    if not grid_focused:
        view.search.setFocus() if hasattr(view, "search") else view.setFocus()
    view.grid.restore_selection(np.array([0, 1, 2]), current=1)
    qtbot.wait(50)
    others = {_padding_colour(view, 0).name(), _padding_colour(view, 2).name()}
    current = _padding_colour(view, 1).name()
    assert len(others) == 1  # the selected tiles alike…
    assert current not in others  # …but the current one
    # one tile selected: it is the current one, and marked so
    view.grid.select_row(3)
    qtbot.wait(50)
    assert _padding_colour(view, 3).name() == current
