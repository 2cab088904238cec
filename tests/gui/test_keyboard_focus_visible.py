"""A keyboard user sees where the focus is: the grid, the class list, the tables and
plots (views Fusion draws no focus for) get a ring in the highlight colour while they
have the focus, and lose it when the focus moves on."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget


def _edge_colour(view: QWidget) -> QColor:
    """The colour drawn at the middle of the view's left edge, as the user sees it."""
    picture = view.grab().toImage()
    return picture.pixelColor(0, picture.height() // 2)


def _open(qtbot, window, project):
    assert window.open_project(project.path)
    window.activateWindow()
    qtbot.waitUntil(lambda: window.isActiveWindow())
    return window.view


def test_the_focused_grid_and_class_list_carry_a_ring_the_others_do_not(qtbot, window, project):
    view = _open(qtbot, window, project)
    highlight = window.palette().color(QPalette.ColorRole.Highlight)
    grid, classes = view.grid, view.sidebar.class_list
    grid.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is grid)
    assert _edge_colour(grid) == highlight
    assert _edge_colour(classes) != highlight
    classes.setFocus()  # Tab on to the sidebar
    qtbot.waitUntil(lambda: QApplication.focusWidget() is classes)
    assert _edge_colour(classes) == highlight
    assert _edge_colour(grid) != highlight
    view.sidebar.search.setFocus()  # a field draws its own focus: no ring anywhere
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view.sidebar.search)
    assert _edge_colour(classes) != highlight and _edge_colour(grid) != highlight


def test_the_ring_follows_the_view_as_it_is_resized_and_lets_clicks_through(qtbot, window, project):
    view = _open(qtbot, window, project)
    grid = view.grid
    grid.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is grid)
    window.resize(1000, 700)
    qtbot.waitUntil(lambda: grid.findChild(QWidget, "focusRing") is not None)
    ring = grid.findChild(QWidget, "focusRing")
    qtbot.waitUntil(lambda: ring.geometry() == grid.rect())
    assert ring.testAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
