"""Tools → Find duplicates… and Find outliers: the duplicate groups and the most unusual
images were only reached from a count on Statistics and a button under the preview."""

from __future__ import annotations

import shutil

from gui.leaking_copy import LEAK
from gui.review_views import open_in_window


def tools_texts(window) -> list[str]:
    return [a.text().replace("&", "") for a in window.menus.tools_menu.actions()]


def test_find_duplicates_opens_the_groups_once_the_search_ends(qtbot, window, project):
    shutil.copy(project.root / LEAK[0], project.root / LEAK[1])
    project.scan()
    assert window.open_project(project.path)
    assert "Find duplicates…" in tools_texts(window)
    window.menus.find_duplicates_action.trigger()
    assert window.stack.currentWidget() is window.pages.stats  # counts beside the groups
    qtbot.waitUntil(lambda: window.pages.duplicates is not None, timeout=20000)
    dialog = window.pages.duplicates
    assert dialog.isVisible() and dialog.kind == "all"
    assert [t.member.path for t in dialog.boxes[0].tiles] == sorted(LEAK)
    assert not window.statusBar().currentMessage().startswith("Looking for duplicates")


def test_find_duplicates_says_when_there_are_none(qtbot, window, project):
    assert window.open_project(project.path)
    window.menus.find_duplicates_action.trigger()
    stats = window.pages.stats
    qtbot.waitUntil(lambda: stats.duplicate_counts is not None, timeout=20000)
    said = window.statusBar().currentMessage()
    assert said == "No duplicates: no two images are the same or nearly the same"
    assert window.pages.duplicates is None


def test_find_outliers_sorts_the_browser_or_says_what_it_needs(qtbot, window, project):
    assert window.open_project(project.path)
    window.show_statistics()
    assert "Find outliers" in tools_texts(window)
    window.menus.find_outliers_action.trigger()  # no embeddings in this project
    assert window.stack.currentWidget() is window.view
    assert window.statusBar().currentMessage().startswith("Compute embeddings first")
    assert window.view.sidebar.current_filter().sort != "outlier"


def test_find_outliers_with_embeddings(qtbot, window, clustered):
    open_in_window(window, clustered)
    view = window.view
    qtbot.waitUntil(lambda: view.detail.find_different_button.isEnabled(), timeout=20000)
    window.show_statistics()
    window.menus.find_outliers_action.trigger()
    assert window.stack.currentWidget() is view
    assert view.sidebar.current_filter().sort == "outlier"
    assert "most unusual images come first" in window.statusBar().currentMessage()
