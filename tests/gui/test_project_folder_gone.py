"""A label key after the project folder was deleted while the app had it open says that
nothing was saved (it reported "u0.png → dog" and wrote into the deleted database)."""

from __future__ import annotations

import shutil

from PySide6.QtCore import Qt

U0 = "_unlabeled/u0.png"


def test_a_key_after_the_project_folder_was_deleted_says_nothing_was_saved(qtbot, view, project):
    view.grid.select_row(view.model.row_of_id(project.ids_for([U0])[U0]))
    view.grid.setFocus()
    errors: list[str] = []
    messages: list[str] = []
    view.labeling.error.connect(errors.append)
    view.labeling.message.connect(messages.append)
    shutil.rmtree(project.path)
    qtbot.keyClick(view.grid, Qt.Key.Key_2)
    assert messages == []
    assert len(errors) == 1 and "nothing was saved" in errors[0]
