"""Reopening a project comes back to the image (and the sidebar's choices) the person
left it at; it went back to the first image every time."""

from __future__ import annotations

import threading

import pytest

from labeldesk.gui import settings
from labeldesk.gui.main_window import MainWindow


def current_id(window: MainWindow) -> int:
    view = window.view
    assert view is not None
    current = view.grid.currentIndex()
    assert current.isValid()
    return int(view.model.rows_to_ids([current.row()])[0])


def hold_the_full_read(monkeypatch) -> threading.Event:
    """Read only 5 images at first; the rest arrives once the returned event is set."""
    from labeldesk.browse import catalog as catalog_module
    from labeldesk.gui import browser_read

    monkeypatch.setattr(browser_read, "FIRST_ROWS", 5)
    gate = threading.Event()
    real_load = catalog_module.ImageCatalog.load

    def held_full_load(project_, first=None):
        result = real_load(project_, first=first)
        if first is None:
            gate.wait(10)
        return result

    monkeypatch.setattr(catalog_module.ImageCatalog, "load", held_full_load)
    return gate


def reopen(window: MainWindow, path) -> None:
    window.close_project()
    assert window.open_project(path)


def test_reopening_comes_back_to_the_current_image(qtbot, window, project):
    assert window.open_project(project.path)
    view = window.view
    view.grid.select_row(7)
    chosen = current_id(window)
    reopen(window, project.path)
    assert current_id(window) == chosen
    assert list(window.view.grid.selected_rows()) == [7]
    # a window closed and opened afresh (the app quit and started again) too
    window.close()
    again = MainWindow()
    qtbot.addWidget(again)
    again.open_initial(None)
    try:
        assert current_id(again) == chosen
    finally:
        again.close()


def test_the_sidebar_choices_come_back_with_the_image(qtbot, window, project):
    assert window.open_project(project.path)
    sidebar = window.view.sidebar
    sidebar.select_class("dog")
    sidebar.select_split("train")
    sidebar.search.setText("dog")
    qtbot.waitUntil(lambda: window.view.model.image_filter.search == "dog")
    shown = window.view.model.rowCount()
    assert shown >= 2
    window.view.grid.select_row(shown - 1)
    chosen = current_id(window)
    reopen(window, project.path)
    wanted = window.view.model.image_filter
    assert (wanted.label, wanted.split, wanted.search) == ("dog", "train", "dog")
    assert window.view.sidebar.selected_class() == "dog"
    assert window.view.model.rowCount() == shown
    assert current_id(window) == chosen


def test_an_image_that_is_gone_falls_back_to_the_first(qtbot, window, project):
    assert window.open_project(project.path)
    window.view.grid.select_row(4)
    gone = current_id(window)
    path = window.view.model.path(4)
    window.close_project()
    (project.root / path).unlink()
    project.scan()
    assert window.open_project(project.path)
    assert current_id(window) != gone
    assert list(window.view.grid.selected_rows()) == [0]


def test_a_class_that_is_gone_shows_every_class(qtbot, window, project):
    from labeldesk.gui.browser_place import saved_place

    assert saved_place(project.path) is None  # nothing kept yet
    settings.save_project_place(project.path, {"class": "unicorn", "sort": "sideways"})
    assert window.open_project(project.path)
    wanted = window.view.model.image_filter
    assert (wanted.label, wanted.sort) == (None, "path")
    assert list(window.view.grid.selected_rows()) == [0]


def test_a_big_project_comes_back_to_an_image_read_in_the_background(
    qtbot, window, project, monkeypatch
):
    """The image lies past the first rows read: it is selected once the rest is read."""
    assert window.open_project(project.path)
    window.view.grid.select_row(12)
    chosen = current_id(window)
    window.close_project()
    gate = hold_the_full_read(monkeypatch)
    try:
        assert window.open_project(project.path)
        assert window.view.model.rowCount() == 5
        gate.set()
        qtbot.waitUntil(lambda: window.view.model.rowCount() == 19, timeout=10000)
        assert current_id(window) == chosen
    finally:
        gate.set()


def test_choosing_another_image_meanwhile_wins(qtbot, window, project, monkeypatch):
    assert window.open_project(project.path)
    window.view.grid.select_row(12)
    window.close_project()
    gate = hold_the_full_read(monkeypatch)
    try:
        assert window.open_project(project.path)
        window.view.grid.select_row(3)  # the person chose while the rest was read
        picked = current_id(window)
        gate.set()
        qtbot.waitUntil(lambda: window.view.model.rowCount() == 19, timeout=10000)
        assert current_id(window) == picked
    finally:
        gate.set()


@pytest.mark.parametrize(
    "values",
    [{}, {"image": "x", "show": "nonsense"}, {"image": "12", "split": "val", "search": "a"}],
)
def test_kept_values_are_checked(values):
    from labeldesk.gui.browser_place import BrowserPlace

    place = BrowserPlace.from_values(values)
    if not values:
        assert place is None
        return
    assert place is not None and place.wanted.show in ("all",)
    assert place.image_id == (12 if values["image"] == "12" else None)
    assert BrowserPlace.from_values(place.values()) == place


def test_only_recent_projects_keep_a_place(tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    for path in (old, new):
        path.mkdir()
    settings.add_recent_project(old)
    settings.save_project_place(old, {"image": "3"})
    settings.remove_recent_project(old)
    settings.add_recent_project(new)
    settings.save_project_place(new, {"image": "4"})
    assert settings.project_place(new) == {"image": "4"}
    assert settings.project_place(old) == {}


def test_a_sort_by_score_comes_back_once_the_scores_do(qtbot, window, clustered):
    """The scores arrive after the project opens and re-sort the grid (which selected
    its first image): the image kept is chosen again then."""
    project, _ = clustered
    assert window.open_project(project.path)
    view = window.view
    qtbot.waitUntil(lambda: view.catalog.insights is not None, timeout=20000)
    view.sidebar.select_sort("issue")
    view.grid.select_row(6)
    chosen = current_id(window)
    window.close_project()
    assert window.open_project(project.path)
    view = window.view
    assert view.model.image_filter.sort == "issue"
    qtbot.waitUntil(lambda: view.catalog.insights is not None, timeout=20000)
    assert current_id(window) == chosen
    assert view.model.image_filter.sort == "issue"
    assert list(view.grid.selected_rows()) == [6]  # in score order, as left


def test_a_sort_by_score_without_scores_goes_back_to_path_order(qtbot, window, project):
    """Kept from a session that had scores (the embeddings were deleted since): the
    grid is shown in path order, not under a choice that is greyed out."""
    settings.save_project_place(project.path, {"sort": "issue", "show": "flagged"})
    assert window.open_project(project.path)
    view = window.view
    qtbot.waitUntil(
        lambda: (view.model.image_filter.sort, view.model.image_filter.show) == ("path", "all")
    )
    assert view.model.rowCount() == 19


def test_closed_before_the_rest_is_read_keeps_the_image(qtbot, window, project, monkeypatch):
    from labeldesk.gui.browser_place import saved_place

    assert window.open_project(project.path)
    window.view.grid.select_row(12)
    chosen = current_id(window)
    window.close_project()
    gate = hold_the_full_read(monkeypatch)
    assert window.open_project(project.path)
    assert window.view.model.rowCount() == 5  # the image is not among them yet
    gate.set()
    window.close_project()
    place = saved_place(project.path)
    assert place is not None and place.image_id == chosen  # not the first image's


def test_a_big_project_sorted_by_score_comes_back_once_its_order_is_made(
    qtbot, window, clustered, monkeypatch
):
    """At a million images the order the first scores bring is made by a job after they
    arrive (gui/sort_ahead.py): the image kept is chosen once the grid is re-sorted,
    not left for the first image the re-sort selects."""
    from labeldesk.gui import sort_ahead

    project, _ = clustered
    assert window.open_project(project.path)
    view = window.view
    qtbot.waitUntil(lambda: view.catalog.insights is not None, timeout=20000)
    view.sidebar.select_sort("issue")
    view.grid.select_row(6)
    chosen = current_id(window)
    window.close_project()
    monkeypatch.setattr(sort_ahead, "AHEAD_MIN_IMAGES", 1)  # (a million images, as it were)
    assert window.open_project(project.path)
    view = window.view
    qtbot.waitUntil(
        lambda: view.catalog.insights is not None and view._settled() and not view.runner.active,
        timeout=20000,
    )
    assert current_id(window) == chosen
    assert list(view.grid.selected_rows()) == [6]  # in score order, as left
