"""0 (remove the label) and X (exclude / include) move on to the next image after acting
on one, as the class keys do in the browser and X does in the review; they stayed on the
image, so labeling a run of images with 1, 2, 0, X needed an arrow key after two of them."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt

from labeldesk.gui.image_model import ImageRole


def status_in_db(project, path: str) -> str | None:
    status = project.images().set_index("path").status[path]
    return status if isinstance(status, str) else None


def label_in_db(project, path: str) -> str | None:
    label = project.images().set_index("path").label[path]
    return label if isinstance(label, str) else None


def labeled_row(view) -> int:
    """A labeled image with another image after it."""
    return next(
        r
        for r in range(view.model.rowCount() - 1)
        if view.model.data(view.model.index(r), ImageRole.Label)
    )


@pytest.mark.parametrize("key", [Qt.Key.Key_0, Qt.Key.Key_Backspace], ids=["0", "Backspace"])
def test_removing_a_label_moves_on_to_the_next_image(qtbot, view, project, key):
    row = labeled_row(view)
    path = view.model.path(row)
    view.grid.select_row(row)
    qtbot.keyClick(view.grid, key)
    assert label_in_db(project, path) is None
    assert list(view.grid.selected_rows()) == [row + 1]
    assert view.grid.currentIndex().row() == row + 1


def test_x_moves_on_after_excluding_and_after_including_again(qtbot, view, project):
    path = view.model.path(2)
    view.grid.select_row(2)
    qtbot.keyClick(view.grid, Qt.Key.Key_X)
    assert status_in_db(project, path) == "excluded"
    assert list(view.grid.selected_rows()) == [3]
    view.grid.select_row(2)
    qtbot.keyClick(view.grid, Qt.Key.Key_X)  # included again: on to the next as well
    assert status_in_db(project, path) is None
    assert list(view.grid.selected_rows()) == [3]


def test_0_and_x_on_several_images_keep_the_selection(qtbot, view, project):
    """As with the class keys: the selection stays for the next key."""
    model = view.grid.model()
    both = QItemSelection(model.index(1), model.index(2))
    view.grid.selectionModel().select(both, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    qtbot.keyClick(view.grid, Qt.Key.Key_X)
    assert [status_in_db(project, view.model.path(r)) for r in (1, 2)] == ["excluded"] * 2
    assert list(view.grid.selected_rows()) == [1, 2]
    qtbot.keyClick(view.grid, Qt.Key.Key_0)
    assert list(view.grid.selected_rows()) == [1, 2]


def test_the_last_image_stays_selected(qtbot, view, project):
    last = view.model.rowCount() - 1
    view.grid.select_row(last)
    qtbot.keyClick(view.grid, Qt.Key.Key_X)
    assert status_in_db(project, view.model.path(last)) == "excluded"
    assert list(view.grid.selected_rows()) == [last]
