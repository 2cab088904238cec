"""A confusion cell relabeled all at once from Statistics, then Ctrl+Z: the banner said
"Showing 3 images labeled ant that the model thinks are bee" over images now labeled bee
(it says what the cell held when it was opened), and the undo left only the first image
selected (the images it changed back come back selected, so a second key acts on them
all again)."""

from __future__ import annotations

from ml.fake_embeddings import CLASSES
from PySide6.QtCore import Qt

from gui.test_selection_arrivals import labels_of, selected_paths


def plain(text: str) -> str:
    return text.replace("\u2060", "").replace("\u00a0", " ")


def open_cell(qtbot, window, label: str, guess: str) -> list[str]:
    window.show_statistics()
    stats = window.pages.stats
    stats.confusion_split.setCurrentIndex(stats.confusion_split.findData(None))  # every split
    table = stats.confusion
    item = table.item(CLASSES.index(label), CLASSES.index(guess))
    qtbot.mouseClick(
        table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualItemRect(item).center()
    )
    view = window.view
    return view.model.paths_of_rows(range(view.model.rowCount()))


def test_a_relabeled_cell_says_what_it_held_and_its_undo_selects_it_again(qtbot, opened):
    window, _ = opened
    view = window.view
    cell = open_cell(qtbot, window, "ant", "bee")
    count = len(cell)
    assert count >= 2
    banner = view.sidebar.banner.text
    said = (
        f"Showing {count} images labeled ant that the model thought were bee "
        "when the cell was opened"
    )
    assert plain(banner.text()) == said
    before = labels_of(window, cell)
    qtbot.keyClick(view.grid, Qt.Key.Key_2)  # bee, for the whole cell
    qtbot.waitUntil(lambda: not view.rows.busy)
    assert set(labels_of(window, cell).values()) == {"bee"}
    assert plain(banner.text()) == said  # still true: what the cell held when opened
    view.grid.select_row(count - 1)  # the person moves on, to the last one
    qtbot.keyClick(view.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: view.labeling.writing is None and not view.rows.busy)
    assert labels_of(window, cell) == before
    assert sorted(selected_paths(view)) == sorted(cell)  # all of them, not the first
    assert view.grid.currentIndex().row() == 0
    qtbot.keyClick(view.grid, Qt.Key.Key_3)  # a second key: the whole cell again
    assert set(labels_of(window, cell).values()) == {"cow"}


def test_the_undo_of_a_class_rename_selects_one_image(qtbot, opened):
    """A class change chose no selection: its undo selects the first image it changed
    back, not every image of the class (one stray key would relabel them all)."""
    window, _ = opened
    view = window.view
    window.show_browser()
    view.project.rename_class("ant", "emmet")
    qtbot.waitUntil(lambda: not view.rows.busy)
    view.labeling.undo()
    qtbot.waitUntil(lambda: view.labeling.writing is None and not view.rows.busy)
    assert len(view.grid.selected_rows()) == 1
