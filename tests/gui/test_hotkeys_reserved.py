"""A command may not take a key the browser or the review keeps (Undo, Add class, Select
all, moving): the command would win or Qt would find the key ambiguous and do nothing,
so Ctrl+Z would stop undoing, for good (the choice is saved)."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

from labeldesk.gui import hotkeys
from labeldesk.gui.hotkeys import HotkeysEditor
from labeldesk.gui.main_window import MainWindow


def row_of(editor: HotkeysEditor, name: str) -> int:
    return next(i for i, a in enumerate(editor.actions_) if a.objectName() == name)


def label_of(project, path):
    label = project.images().set_index("path").label[path]
    return label if isinstance(label, str) else None


def test_undo_add_class_and_select_all_keys_are_refused(qtbot, window):
    editor = HotkeysEditor(window.menus.command_actions())  # no project open: no browser yet
    qtbot.addWidget(editor)
    row = row_of(editor, "statistics")
    for key, use in [
        ("Ctrl+Z", "undoing"),
        ("Alt+Backspace", "undoing"),  # Undo's other binding
        ("Ctrl+K", "adding a class"),
        ("Ctrl+A", "selecting every image"),
        ("Home", "moving between images"),
        ("Shift+Left", "extending the selection"),
    ]:
        assert not editor.set_key(row, QKeySequence(key)), key
        assert f"kept for {use}" in editor.note.text()
        assert window.menus.stats_action.shortcut() == QKeySequence("Ctrl+T")
    assert hotkeys.saved_keys("statistics") is None


def test_a_key_of_any_other_action_in_the_window_is_refused(qtbot, window):
    zoom = QAction("Zoom in", window)
    zoom.setShortcut(QKeySequence("Ctrl+J"))
    window.addAction(zoom)
    editor = HotkeysEditor(window.menus.command_actions())
    qtbot.addWidget(editor)
    assert not editor.set_key(row_of(editor, "statistics"), QKeySequence("Ctrl+J"))
    assert "already used by “Zoom in”" in editor.note.text()


def test_ctrl_z_still_undoes_after_trying_to_give_it_away(qtbot, window, project):
    project_path = project.path
    project.close()
    assert window.open_project(project_path)
    view, proj = window.view, window.project
    editor = HotkeysEditor(window.menus.command_actions())
    qtbot.addWidget(editor)
    assert not editor.set_key(row_of(editor, "statistics"), QKeySequence("Ctrl+Z"))
    path = "_unlabeled/u0.png"
    view.grid.select_row(view.model.row_of_id(proj.ids_for([path])[path]))
    view.grid.setFocus()
    qtbot.keyClick(view.grid, Qt.Key.Key_2)
    assert label_of(proj, path) is not None
    qtbot.keyClick(view.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: label_of(proj, path) is None, timeout=5000)


def test_a_saved_key_that_clashes_is_ignored_with_a_warning(qtbot, caplog):
    hotkeys.save_keys("statistics", [QKeySequence("Ctrl+Z")])  # as an older version let it
    hotkeys.save_keys("rescan_folder", [QKeySequence("Ctrl+R")])
    with caplog.at_level(logging.WARNING, logger="labeldesk.gui.hotkeys"):
        window = MainWindow()
    qtbot.addWidget(window)
    assert window.menus.stats_action.shortcut() == QKeySequence("Ctrl+T")  # the default
    assert window.menus.rescan_action.shortcut() == QKeySequence("Ctrl+R")  # a fine one stays
    messages = [r.getMessage() for r in caplog.records]
    assert any("Ctrl+Z" in m and "statistics" in m for m in messages)


def test_the_queue_keys_are_kept_and_listed(qtbot, window):
    """Alt+L (label val/test images too) and Alt+Q (the refresh number) work only while no
    command has them: a command may not take them, and Help lists them."""
    from labeldesk.gui.shortcuts import shortcut_table

    editor = HotkeysEditor(window.menus.command_actions())
    qtbot.addWidget(editor)
    row = row_of(editor, "statistics")
    for key in ("Alt+L", "Alt+Q"):
        assert not editor.set_key(row, QKeySequence(key)), key
        assert "kept for the labeling queue" in editor.note.text()
    listed = dict(shortcut_table())
    assert "val and test" in listed["Alt+L"] and "refresh" in listed["Alt+Q"]
