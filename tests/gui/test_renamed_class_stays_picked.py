"""The class picked in the sidebar stays picked when it is renamed (it used to fall
back to All images, so the person renaming the class they were looking at lost their
place), and Ctrl+Z, which renames it back, keeps it too."""

from __future__ import annotations

from PySide6.QtCore import Qt

from labeldesk.gui.image_model import ImageRole


def labels_shown(view) -> set[str | None]:
    model = view.model
    return {model.data(model.index(r), ImageRole.Label) for r in range(model.rowCount())}


def test_a_renamed_class_stays_picked_and_undo_keeps_it(qtbot, view, project):
    view.sidebar.select_class("cat")
    qtbot.waitUntil(lambda: labels_shown(view) == {"cat"})
    shown = view.model.rowCount()
    actions = view.class_actions
    actions.ask_class = lambda title, prompt, choices: "cat"
    actions.ask_text = lambda title, prompt, start: "kitten"
    actions.rename_action.trigger()
    assert project.classes() == ["kitten", "dog"]
    qtbot.waitUntil(lambda: view.sidebar.selected_class() == "kitten")
    qtbot.waitUntil(lambda: labels_shown(view) == {"kitten"})
    assert view.model.rowCount() == shown
    assert view.model.image_filter.label == "kitten"  # a later filter change finds them
    view.grid.setFocus()
    qtbot.keyClick(view.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert project.classes() == ["cat", "dog"]
    qtbot.waitUntil(lambda: view.sidebar.selected_class() == "cat")
    qtbot.waitUntil(lambda: labels_shown(view) == {"cat"})
    assert view.model.rowCount() == shown


def test_a_removed_class_still_falls_back_to_all_images(qtbot, view, project):
    view.sidebar.select_class("dog")
    qtbot.waitUntil(lambda: labels_shown(view) == {"dog"})
    actions = view.class_actions
    actions.ask_class = lambda title, prompt, choices: "dog"
    actions.confirm = lambda title, body: True
    actions.remove_action.trigger()
    assert project.classes() == ["cat"]
    qtbot.waitUntil(lambda: view.sidebar.selected_class() is None)
    qtbot.waitUntil(lambda: None in labels_shown(view) and "cat" in labels_shown(view))
