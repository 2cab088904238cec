"""A project view's grid with an image chosen and its labeling's errors collected; and
label key 2 pressed there and what the view said of it (its status-bar messages), as the
read-only, damaged, locked and busy project tests check."""

from __future__ import annotations

from PySide6.QtCore import Qt


def said_on_label_key(qtbot, view, row: int = 0) -> list[str]:
    """The messages ``view`` says while key 2 is pressed on its grid's ``row``."""
    said: list[str] = []
    view.labeling.message.connect(said.append)
    view.grid.select_row(row)
    view.grid.setFocus()
    qtbot.keyClick(view.grid, Qt.Key.Key_2)
    return said


def focused_on(view, project, path: str) -> tuple[int, int, list[str]]:
    """``path``'s image selected in ``view``'s focused grid: its id, its row, and the list
    its labeling's errors go to from now on."""
    image_id = project.ids_for([path])[path]
    row = view.model.row_of_id(image_id)
    view.grid.select_row(row)
    view.grid.setFocus()
    errors: list[str] = []
    view.labeling.error.connect(errors.append)
    return image_id, row, errors
