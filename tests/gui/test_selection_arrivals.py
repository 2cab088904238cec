"""How a set of images opened in the browser arrives selected, and the status bar says
how many are: a confusion cell all of it, as a map selection (one key relabels the
cell, one Ctrl+Z takes it back); *More like this* keeps the examples selected and shows
them first, the images like them after; the drift check's added images the first one
(new images to label one by one). A cell arrived with its first image selected only."""

from __future__ import annotations

import numpy as np
import pytest
from ml.fake_embeddings import CLASSES
from PySide6.QtCore import Qt


def labels_of(window, paths) -> dict[str, str | None]:
    frame = window.project.images().set_index("path")
    return {p: (lab if isinstance(lab, str) else None) for p, lab in frame.label[paths].items()}


def selected_paths(view) -> list[str]:
    return view.model.paths_of_rows(view.grid.selected_rows())


def test_a_confusion_cell_arrives_selected_and_one_key_relabels_it(qtbot, opened):
    window, flipped = opened
    view = window.view
    window.show_statistics()
    stats = window.pages.stats
    stats.confusion_split.setCurrentIndex(stats.confusion_split.findData(None))  # every split
    table = stats.confusion
    table_row, column = CLASSES.index("ant"), CLASSES.index("bee")  # labeled ant, thought bee
    count = int(table.item(table_row, column).text())
    assert count >= 2
    rect = table.visualItemRect(table.item(table_row, column))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.stack.currentWidget() is view
    cell = view.model.paths_of_rows(range(view.model.rowCount()))
    assert len(cell) == count and set(flipped) <= set(cell)
    assert sorted(selected_paths(view)) == sorted(cell)  # all of them, not the first
    assert view.grid.currentIndex().row() == 0  # the first current (Esc narrows to it)
    assert view.detail.title.text() == f"{count} images selected"
    assert f"{count} selected" in window.counts_label.text()
    before = labels_of(window, cell)
    qtbot.keyClick(view.grid, Qt.Key.Key_2)  # bee: what the model thinks, for the cell
    assert set(labels_of(window, cell).values()) == {"bee"}
    qtbot.keyClick(view.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert labels_of(window, cell) == before  # one Undo takes the cell back


@pytest.mark.parametrize("examples", [1, 3])
def test_more_like_this_shows_the_examples_first_still_selected(qtbot, opened, examples):
    window, _ = opened
    view = window.view
    view.sidebar.select_class("cow")
    view.grid.restore_selection(np.arange(examples), examples - 1)
    asked = selected_paths(view)
    assert len(asked) == examples
    current = view.model.paths_of_rows([examples - 1])
    job = view.more_like_selection()
    assert job is not None
    qtbot.waitUntil(lambda: view.model.image_filter.ranking is not None, timeout=20000)
    shown = view.model.paths_of_rows(range(view.model.rowCount()))
    assert sorted(shown[:examples]) == sorted(asked)  # what was asked about, first
    assert len(shown) > examples  # then the images like them
    assert selected_paths(view) == shown[:examples]  # the selection stays as it was
    assert view.model.paths_of_rows([view.grid.currentIndex().row()]) == current
    assert f"{examples} selected" in window.counts_label.text()
    found = len(shown) - examples
    what = "the selected image: it" if examples == 1 else f"the {examples} selected: they"
    banner = view.sidebar.banner_text.text().replace("\u2060", "")
    assert banner == f"Showing {len(shown)} images like {what} first, then the {found} most similar"


def test_images_added_from_the_drift_check_arrive_with_the_first_selected(qtbot, opened):
    """New images, of any class: labeled one at a time (a key labels the first and moves
    on); the status bar says one is selected."""
    window, _ = opened
    view = window.view
    paths = view.model.paths_of_rows(range(5))
    window.show_selection(paths, "added from the drift check")
    assert selected_paths(view) == paths[:1]
    assert "1 selected" in window.counts_label.text()
