"""Rename / Merge / Remove class… start at the class of the current image (else the
class picked in the sidebar, else the first class), and their dialogs are wide enough
for their titles (they read "Remo…elDesk")."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont, QFontMetrics, QGuiApplication
from PySide6.QtWidgets import QApplication, QInputDialog

from labeldesk.gui.image_model import ImageRole


def first_dialog(qtbot, trigger) -> dict:
    """Trigger an action, note what its first dialog shows, and cancel it."""
    seen: dict = {}

    def look() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QInputDialog):
            QTimer.singleShot(10, look)
            return
        title = f"{dialog.windowTitle()} — {QGuiApplication.applicationDisplayName()}"
        font = QFont(dialog.font())
        font.setBold(True)
        seen.update(
            choice=dialog.textValue(),
            width=dialog.width(),
            title=QFontMetrics(font).horizontalAdvance(title),
        )
        dialog.reject()

    QTimer.singleShot(0, look)
    trigger()
    return seen


def row_of(view, label) -> int:
    model = view.model
    return next(
        r for r in range(model.rowCount()) if model.data(model.index(r), ImageRole.Label) == label
    )


def test_remove_and_rename_start_at_the_current_image_s_class(qtbot, view):
    actions = view.class_actions
    view.grid.select_row(row_of(view, "dog"))  # the first class is cat
    for action in (actions.remove_action, actions.rename_action, actions.merge_action):
        seen = first_dialog(qtbot, action.trigger)
        assert seen["choice"] == "dog"
        # Wide enough for the title and the title bar's icon and buttons.
        assert seen["width"] >= seen["title"] + 100, seen
    ask_name = lambda: actions.ask_text("Rename class", "New name for dog:", "dog")  # noqa: E731
    seen = first_dialog(qtbot, ask_name)
    assert seen["choice"] == "dog" and seen["width"] >= seen["title"] + 100, seen


def test_without_a_labeled_image_the_sidebar_s_class_else_the_first(qtbot, view):
    actions = view.class_actions
    view.grid.select_row(row_of(view, None))  # an unlabeled image: no class of its own
    assert first_dialog(qtbot, actions.remove_action.trigger)["choice"] == "cat"
    view.sidebar.select_class("dog")
    view.grid.clearSelection()
    assert first_dialog(qtbot, actions.rename_action.trigger)["choice"] == "dog"
    view.grid.select_row(row_of(view, "dog"))
    view.sidebar.select_class(None)
    view.grid.clearSelection()
    assert first_dialog(qtbot, actions.remove_action.trigger)["choice"] == "cat"
