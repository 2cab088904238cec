"""Classes menu: rename, merge and remove a class; the grid, the keys and the counts
follow at once, and Ctrl+Z takes the change back."""

from __future__ import annotations

from PySide6.QtCore import Qt

from labeldesk.gui.image_model import ImageRole


def labels_shown(view) -> set[str | None]:
    model = view.model
    return {model.data(model.index(r), ImageRole.Label) for r in range(model.rowCount())}


def answer(actions, *, classes=(), text=None, confirm=True) -> list[str]:
    """Answer the dialogs in order; returns what was asked."""
    asked: list[str] = []
    picks = iter(classes)

    def ask_class(title, prompt, choices):
        asked.append(prompt)
        return next(picks)

    actions.ask_class = ask_class
    actions.ask_text = lambda title, prompt, start: asked.append(prompt) or text
    actions.confirm = lambda title, body: asked.append(body) or confirm
    return asked


def test_rename_shows_the_new_name_everywhere_and_undo_restores_it(qtbot, view, project):
    actions = view.class_actions
    answer(actions, classes=["cat"], text="kitten")
    actions.rename_action.trigger()
    assert project.classes() == ["kitten", "dog"]
    assert "kitten" in labels_shown(view) and "cat" not in labels_shown(view)
    assert view.labeling.label_actions[0].text() == "&1  kitten"  # the key keeps its class
    assert view.catalog.classes == ["kitten", "dog"]
    view.grid.setFocus()
    qtbot.keyClick(view.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert project.classes() == ["cat", "dog"]
    assert "cat" in labels_shown(view) and "kitten" not in labels_shown(view)
    assert view.labeling.label_actions[0].text() == "&1  cat"


def test_merge_asks_then_moves_the_images(view, project):
    actions = view.class_actions
    asked = answer(actions, classes=["cat", "dog"], confirm=False)
    actions.merge_action.trigger()
    assert project.classes() == ["cat", "dog"]  # the person said no
    assert "8 images of cat" in asked[-1]
    answer(actions, classes=["cat", "dog"], confirm=True)
    actions.merge_action.trigger()
    assert project.classes() == ["dog"]
    assert labels_shown(view) == {"dog", None}
    assert view.labeling.label_actions[1].text() == "&2  (no class yet)"


def test_remove_leaves_the_images_unlabeled(view, project):
    actions = view.class_actions
    answer(actions, classes=["dog"], confirm=True)
    actions.remove_action.trigger()
    assert project.classes() == ["cat"]
    assert labels_shown(view) == {"cat", None}
    counts = view.catalog.label_counts(None)
    assert counts.get(None) == 3 + 8


def test_a_refused_name_is_one_message_and_changes_nothing(qtbot, view, project):
    actions = view.class_actions
    answer(actions, classes=["cat"], text="dog")  # taken: that would be a merge
    with qtbot.waitSignal(view.labeling.error) as error:
        actions.rename_action.trigger()
    assert "merge" in error.args[0]
    assert project.classes() == ["cat", "dog"]


def test_the_classes_menu_lists_the_actions(qtbot, project):
    from labeldesk.gui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.open_project(project.path)
    try:
        texts = [a.text() for a in window.menus.classes_menu.actions()]
        assert "&Rename class…" in texts and "&Merge class into another…" in texts
        assert "Remo&ve class…" in texts
    finally:
        window.close_project()


def test_rename_to_an_empty_name_says_so_and_keeps_the_class(qtbot, view, project):
    actions = view.class_actions
    answer(actions, classes=["cat"], text="")
    with qtbot.waitSignal(view.labeling.error, timeout=1000) as error:
        actions.rename_action.trigger()
    assert error.args[0] == "A class name cannot be empty; cat keeps its name"
    assert project.classes() == ["cat", "dog"]
    answer(actions, classes=["cat"], text=None)  # Cancel: nothing said, nothing changed
    with qtbot.assertNotEmitted(view.labeling.error):
        actions.rename_action.trigger()
    assert project.classes() == ["cat", "dog"]


def test_a_rename_to_a_name_windows_cannot_hold_says_so(qtbot, view, project):
    actions = view.class_actions
    answer(actions, classes=["cat"], text="cat?")
    with qtbot.waitSignal(view.labeling.message, timeout=5000) as message:
        actions.rename_action.trigger()
    assert project.classes() == ["cat?", "dog"]
    assert message.args[0].startswith("Renamed cat to cat? (Ctrl+Z undoes it). Note: class")
    assert "(it holds ?)" in message.args[0]
