"""Export pressed with a field it cannot use: the keyboard goes to that field, its text
selected, beside the error (it stayed on Export; a person clicked the field first)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from gui.export_pages import export_dialog_over_new_project


@pytest.fixture
def dialog(qtbot, tmp_path):
    with export_dialog_over_new_project(qtbot, tmp_path) as widget:
        widget.activateWindow()
        qtbot.waitUntil(lambda: widget.isActiveWindow())
        yield widget


def press_export(qtbot, dialog):
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert dialog.job is None and dialog.message.text()  # refused, said


def test_a_class_map_that_cannot_be_read_takes_the_keyboard(qtbot, dialog, tmp_path):
    dialog.folder.setText(str(tmp_path / "out"))
    dialog.extra.class_map.setText("kitten")
    dialog.export_button.setFocus()
    press_export(qtbot, dialog)
    assert dialog.focusWidget() is dialog.extra.class_map
    assert dialog.extra.class_map.selectedText() == "kitten"


def test_split_shares_that_cannot_be_read_take_the_keyboard(qtbot, dialog, tmp_path):
    dialog.folder.setText(str(tmp_path / "out"))
    dialog.extra.make_splits.setChecked(True)
    dialog.extra.split_shares.setText("80/10/5")
    press_export(qtbot, dialog)
    assert dialog.focusWidget() is dialog.extra.split_shares
    assert dialog.extra.split_shares.selectedText() == "80/10/5"


@pytest.mark.parametrize("where", ["", "images"])
def test_a_folder_that_cannot_be_used_takes_the_keyboard(qtbot, dialog, where):
    folder = "" if not where else str(dialog.project.root / "out")
    dialog.folder.setText(folder)
    press_export(qtbot, dialog)
    assert dialog.focusWidget() is dialog.folder
    assert dialog.folder.selectedText() == folder
