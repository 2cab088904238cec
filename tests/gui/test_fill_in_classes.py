"""A class edit made while a big project's image list is read in the background stays:
the list read before it must not bring back the old class names (keys, counts)."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt


def test_a_rename_while_the_list_is_read_keeps_the_new_name(qtbot, project, monkeypatch):
    from labeldesk.browse import catalog as catalog_module
    from labeldesk.gui import browser_read
    from labeldesk.gui.project_view import ProjectView

    monkeypatch.setattr(browser_read, "FIRST_ROWS", 5)  # as a >3,000-image project
    gate = threading.Event()
    real_load = catalog_module.ImageCatalog.load

    def held_full_load(project_, first=None):
        result = real_load(project_, first=first)  # read before the rename...
        if first is None:
            gate.wait(10)  # ...and delivered after it
        return result

    monkeypatch.setattr(catalog_module.ImageCatalog, "load", held_full_load)
    view = ProjectView(project)
    qtbot.addWidget(view)
    view.show()
    errors: list[str] = []
    view.labeling.error.connect(errors.append)
    try:
        assert view.fill_job is not None and view.fill_job.running
        view.class_actions.rename("cat", "kitten")
        gate.set()
        qtbot.waitUntil(lambda: not view.fill_job.running and view.model.rowCount() == 19)
        assert view.catalog.classes == ["kitten", "dog"]
        assert view.labeling.label_actions[0].text() == "&1  kitten"
        assert view.catalog.label_counts(None) == {"kitten": 8, "dog": 8, None: 3}
        u0 = project.ids_for(["_unlabeled/u0.png"])["_unlabeled/u0.png"]
        view.grid.select_row(view.model.row_of_id(u0))
        view.grid.setFocus()
        qtbot.keyClick(view.grid, Qt.Key.Key_1)
        assert errors == []
        assert project.image_states([u0])[0].label == "kitten"
    finally:
        gate.set()
        view.shutdown()
