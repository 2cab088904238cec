"""A big project paints its first rows at once and reads the rest in the background
(1M images take seconds to read); edits made meanwhile survive the full list arriving."""

from __future__ import annotations

import threading

from labeldesk.core.image_frame import image_frame


def test_image_frame_first_rows_are_the_first_in_path_order(project):
    whole = image_frame(project)
    first = image_frame(project, first=4)
    assert list(first.path) == list(whole.path[:4])
    assert first.label.cat.categories.tolist() == whole.label.cat.categories.tolist()


def test_a_big_project_shows_its_first_rows_then_all_of_them(qtbot, project, monkeypatch):
    from labeldesk.browse import catalog as catalog_module
    from labeldesk.gui import browser_read
    from labeldesk.gui.project_view import ProjectView

    monkeypatch.setattr(browser_read, "FIRST_ROWS", 5)
    gate = threading.Event()
    real_load = catalog_module.ImageCatalog.load

    def held_full_load(project_, first=None):
        result = real_load(project_, first=first)  # read now ...
        if first is None:
            gate.wait(10)  # ... delivered once the test has labeled an image
        return result

    monkeypatch.setattr(catalog_module.ImageCatalog, "load", held_full_load)
    view = ProjectView(project)
    qtbot.addWidget(view)
    try:
        assert view.model.rowCount() == 5  # the first screen, before the rest is read
        assert view.fill_job is not None and view.fill_job.running
        first_path = view.model.path(0)
        project.set_labels({first_path: "dog"})  # an edit while the whole list is read
        qtbot.waitUntil(lambda: view.catalog.labels[view.model.positions([0])[0]] == "dog")
        gate.set()
        qtbot.waitUntil(lambda: view.model.rowCount() == 19, timeout=10000)
        row = view.model.row_of_id(int(project.ids_for([first_path])[first_path]))
        assert view.catalog.labels[view.model.positions([row])[0]] == "dog"
    finally:
        gate.set()
        view.shutdown()


def test_a_small_project_is_read_whole_at_once(qtbot, project):
    from labeldesk.gui.project_view import ProjectView

    view = ProjectView(project)
    qtbot.addWidget(view)
    try:
        assert view.model.rowCount() == 19
        assert view.fill_job is None  # nothing left to read
    finally:
        view.shutdown()
