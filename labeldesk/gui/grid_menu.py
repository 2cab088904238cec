"""The grid's right-click menu: the Classes menu's labeling entries, on the tiles there.

A right click on a tile selects it (on a tile of a selection of several, the selection
stays, as in a file manager), and the menu that opens labels, unlabels or excludes the
selected images with the same actions as the keys and the Classes menu (one undoable
change each, the next image selected after one). Before it, a right click did nothing,
and someone working with the mouse had to find the Classes menu.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMenu

from labeldesk.gui.labeling import LabelingController


class GridMenu:
    """Gives ``labeling``'s grid its right-click menu."""

    def __init__(self, labeling: LabelingController):
        self.labeling = labeling
        grid = labeling.grid
        grid.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        grid.customContextMenuRequested.connect(self._show)

    def menu_at(self, pos: QPoint) -> QMenu | None:
        """The menu for a right click at ``pos`` (viewport coordinates), or None where no
        tile is."""
        grid = self.labeling.grid
        if not grid.indexAt(pos).isValid() or not len(grid.selected_rows()):
            return None
        menu = QMenu(grid)
        menu.setAccessibleName("Label the selected images")
        labeling = self.labeling  # a class each (not the Classes menu's next-key hint)
        menu.addActions(labeling.label_actions[: len(labeling.classes)])
        menu.addSeparator()
        menu.addActions([self.labeling.clear_action, self.labeling.exclude_action])
        return menu

    def _show(self, pos: QPoint) -> None:
        menu = self.menu_at(pos)
        if menu is not None:
            self.open(menu, self.labeling.grid.viewport().mapToGlobal(pos))
            menu.deleteLater()

    def open(self, menu: QMenu, where: QPoint) -> None:
        """Show ``menu`` at ``where`` (global coordinates) until it closes."""
        menu.exec(where)
