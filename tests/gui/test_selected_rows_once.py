"""One action builds the selected rows once: a select-all and a class key asked the grid
for them in the key, the status line and the detail panel (twice more after the write),
and on a million images each was an array of a million rows made again."""

from __future__ import annotations

import pytest
from helpers import calls_of
from PySide6.QtCore import Qt

from labeldesk.gui import grid_selection


@pytest.fixture
def builds(monkeypatch) -> list[int]:
    """The sizes of the arrays of selected rows built (each build sorts its rows once)."""
    return calls_of(monkeypatch, grid_selection, "sorted_unique", len)


def test_select_all_and_a_class_key_build_the_rows_once(qtbot, view, project, builds):
    statuses: list[str] = []
    view.statusChanged.connect(statuses.append)
    view.grid.selectAll()
    everything = view.model.rowCount()
    qtbot.keyClick(view.grid, Qt.Key.Key_2)
    # (the write's end as the view takes it, then the status line the refresh asks for:
    # later slots than the one that sets the job's running, and 50 ms were not enough)
    qtbot.waitUntil(lambda: view.labeling.writing is None and not view.rows.busy)
    qtbot.waitUntil(lambda: f"{everything:,} selected" in statuses[-1])
    assert (project.images(include_skipped=False).label == "dog").all()  # it did label
    assert builds == [everything]  # the selection, built once for everything that asked


def test_a_changed_selection_is_read_again(qtbot, view, builds):
    view.grid.selectAll()
    every = view.grid.selected_rows()
    assert list(every) == list(range(view.model.rowCount()))
    view.grid.select_row(3)
    assert list(view.grid.selected_rows()) == [3]
    view.grid.selectAll()
    assert list(view.grid.selected_rows()) == list(every)
    with pytest.raises(ValueError):
        every[0] = 5  # kept for the next caller: nobody may change it
    view.grid.clearSelection()
    assert len(view.grid.selected_rows()) == 0
