"""Label key 2 pressed in a project view's grid, and what the view said of it (its
labeling's status-bar messages), as the read-only and damaged-project tests check."""

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
