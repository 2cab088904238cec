"""A click on the sidebar (a class, a split) or on the detail panel's buttons leaves the
keyboard with the grid: the label key pressed next labels the image the grid selected.

Before, the click took the keyboard: after picking *cat* in the class list, `2` picked
the class whose key is 2 (the list's type-ahead matched its key column) instead of
labeling the selected image, and after a click on *test* or *More like this* the key did
nothing at all (Space pressed *More like this* again)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget


def _click(qtbot, widget: QWidget, pos=None) -> None:
    if pos is None:
        pos = widget.rect().center()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=pos)


def _press(qtbot, view, key: Qt.Key) -> None:
    """A key as the window gets it: to whichever widget has the keyboard."""
    focus = QApplication.focusWidget() or view.focusWidget()
    assert focus is not None
    qtbot.keyClick(focus, key)


def _label(project, path: str) -> str | None:
    label = project.images().set_index("path").label[path]
    return label if isinstance(label, str) else None


def test_a_class_clicked_in_the_sidebar_then_a_key_labels_the_image(qtbot, view, project):
    tree = view.sidebar.class_list
    cat = next(
        tree.topLevelItem(i)
        for i in range(tree.topLevelItemCount())
        if tree.topLevelItem(i).text(1) == "cat"
    )
    _click(qtbot, tree.viewport(), tree.visualItemRect(cat).center())
    assert view.sidebar.selected_class() == "cat"
    assert view.grid.hasFocus()
    path = view.model.path(0)  # the first cat, selected by the filter
    _press(qtbot, view, Qt.Key.Key_2)
    assert _label(project, path) == "dog"
    assert view.sidebar.selected_class() == "cat"  # the filter stays as clicked


def test_a_split_clicked_then_a_key_labels_the_image(qtbot, view, project):
    test_button = next(b for b in view.sidebar.split_buttons.buttons() if b.text() == "test")
    _click(qtbot, test_button)
    assert view.sidebar.current_filter().split == "test"
    assert view.grid.hasFocus()
    path = view.model.path(0)
    before = _label(project, path)
    wanted = "dog" if before == "cat" else "cat"
    _press(qtbot, view, Qt.Key.Key_2 if wanted == "dog" else Qt.Key.Key_1)
    assert _label(project, path) == wanted


def test_buttons_of_the_sidebar_and_detail_panel_leave_the_keyboard_to_the_grid(view):
    """Tab still reaches them (tests/gui/test_browser_tab_order.py); a click does not
    take the keyboard from the grid."""
    sidebar, detail = view.sidebar, view.detail
    widgets = [
        sidebar.class_list,
        *sidebar.split_buttons.buttons(),
        sidebar.show_box,
        sidebar.sort_box,
        sidebar.add_class_button,
        detail.more_like_button,
        detail.find_different_button,
    ]
    for widget in widgets:
        assert widget.focusPolicy() == Qt.FocusPolicy.TabFocus, widget


def test_more_like_this_by_keyboard_hands_the_keyboard_to_the_grid(qtbot, view, project):
    """Reached with Tab and pressed with Space, it left the keyboard on the button: the
    next Space searched again and a label key did nothing."""
    view.grid.select_row(0)
    view.detail.set_model_available(True)  # (the buttons need embeddings)
    view.detail.find_different_button.setFocus()
    qtbot.keyClick(view.detail.find_different_button, Qt.Key.Key_Space)
    assert view.sidebar.current_filter().sort == "outlier"
    assert view.grid.hasFocus()
