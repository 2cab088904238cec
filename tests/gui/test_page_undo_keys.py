"""Ctrl+Z and Ctrl+Shift+Z work on the pages beside the browser, as the Edit menu says.

The Edit menu showed "Undo “label 1 as cat”  Ctrl+Z" on Statistics, Dataset versions and
Drift, but the key did nothing there: Undo's shortcut only worked while the keyboard was
in the browser."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def labels(project) -> dict[str, str | None]:
    frame = project.images()
    pairs = zip(frame.path, frame.label, strict=True)
    return {p: (v if isinstance(v, str) else None) for p, v in pairs}


def page_of(window, show: str):
    getattr(window, show)()
    page = window.stack.currentWidget()
    assert page is not window.view  # another page is on screen
    return page


@pytest.mark.parametrize("show", ["show_versions", "show_statistics", "show_drift"])
def test_ctrl_z_on_a_page_undoes_and_ctrl_shift_z_redoes(qtbot, window, project, show):
    assert window.open_project(project.path)
    view = window.view
    qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=10000)
    view.grid.select_row(0)
    view.grid.setFocus()
    before = labels(window.project)
    qtbot.keyClick(view.grid, Qt.Key.Key_2)  # the second class, on the first image
    labeled = labels(window.project)
    assert labeled != before

    page = page_of(window, show)
    page.setFocus()
    qtbot.keyClick(page, Qt.Key.Key_Z, CTRL)
    assert labels(window.project) == before
    qtbot.keyClick(page, Qt.Key.Key_Z, CTRL | SHIFT)
    assert labels(window.project) == labeled
    assert window.stack.currentWidget() is page  # the page stays on screen
