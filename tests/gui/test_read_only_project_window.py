"""A project folder that cannot be written opens in the app read-only: the title and the
counts line say so, the actions that would change it (rescan, embeddings, import, add,
rename, merge or remove a class, undo, redo) are off, Export stays on, and a label key
says the project is read-only with nothing saved, in the status bar. (The app refused to
open it at all.)"""

from __future__ import annotations

from gui.label_key import said_on_label_key
from labeldesk.core.project import open_project

U0 = "_unlabeled/u0.png"


def test_a_read_only_project_opens_for_browsing_only(qtbot, window, project, make_read_only):
    project.close()
    make_read_only(project.path)
    errors: list[str] = []
    window.notify_error = lambda message, dialog=True: errors.append(message)
    assert window.open_project(project.path)
    menus, view = window.menus, window.view
    assert view is not None
    assert window.windowTitle() == "proj (read-only) — LabelDesk"
    assert "read-only" in window.statusBar().currentMessage()
    assert "copy the project folder" in window.statusBar().currentMessage()
    window._show_counts()
    assert window.counts_label.text().startswith("Read-only · ")
    off = [
        menus.rescan_action,
        menus.embed_action,
        menus.import_action,
        view.labeling.undo_action,
        view.labeling.redo_action,
        view.labeling.add_class_action,
        *view.class_actions.actions,
    ]
    assert [a.text() for a in off if a.isEnabled()] == []
    assert not view.sidebar.add_class_button.isEnabled()
    assert menus.export_action.isEnabled() and menus.stats_action.isEnabled()

    window.pages.show_training()  # the pages' writing buttons are off too, and say why
    start = window.pages.training.start_button
    assert not start.isEnabled() and "read-only" in start.toolTip()
    window.pages.show_versions()
    create = window.pages.versions.create_button
    assert not create.isEnabled() and "read-only" in create.toolTip()
    window.show_browser()

    u0 = window.project.ids_for([U0])[U0]
    # a status-bar line: no notice per key
    said = said_on_label_key(qtbot, view, view.model.row_of_id(u0))
    assert said and "is read-only" in said[-1] and "nothing was saved" in said[-1]
    assert errors == []
    window.close_project()
    with open_project(project.path) as again:
        assert again.image_states([u0])[0].label is None


def test_a_writable_project_keeps_its_actions(qtbot, window, project):
    path = project.path
    project.close()
    assert window.open_project(path)
    assert window.windowTitle() == "proj — LabelDesk"
    assert window.menus.rescan_action.isEnabled()
    assert window.view is not None and window.view.labeling.add_class_action.isEnabled()
