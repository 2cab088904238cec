"""Read-only tables from the keyboard: Tab leaves the table (it walked every cell: the
help list's 80 cells stood between the keyboard and the "Change command keys" tab and
Close), and a confusion cell opens its images with Enter as with a click."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from labeldesk.gui.confusion_table import ConfusionTable
from labeldesk.gui.dialogs import ShortcutsDialog
from labeldesk.gui.history_table import HistoryTable


def test_tab_leaves_the_help_list_for_the_tabs_and_close(qtbot, window):
    dialog = ShortcutsDialog(window, window.menus.command_actions())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    dialog.table.setFocus()
    dialog.table.setCurrentCell(0, 0)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.table)
    reached = []
    for _ in range(4):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        reached.append(QApplication.focusWidget())
    assert dialog.table not in reached[:1]  # the first Tab leaves the list
    assert dialog.tabs.tabBar() in reached  # on to the tabs: arrows change the page
    assert dialog.table.currentRow() == 0 and dialog.table.currentColumn() == 0


@pytest.mark.parametrize("make", [ConfusionTable, HistoryTable])
def test_tab_leaves_the_statistics_and_training_tables(qtbot, make):
    host = QWidget()
    qtbot.addWidget(host)
    table = make(host)
    if isinstance(table, ConfusionTable):
        table.set_matrix(["a", "b"], np.eye(2, dtype=int))
    else:
        table.setRowCount(3)  # cells to walk
    other = type(table)(host)
    table.setGeometry(0, 0, 200, 100)
    other.setGeometry(0, 110, 200, 100)
    host.show()
    qtbot.waitExposed(host)
    host.activateWindow()
    table.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is table)
    qtbot.keyClick(table, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is other


@pytest.mark.parametrize("key", [Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space])
def test_a_key_on_a_confusion_cell_opens_its_images_as_a_click_does(qtbot, key):
    table = ConfusionTable()
    qtbot.addWidget(table)
    table.set_matrix(["coat", "shirt"], np.array([[5, 2], [1, 6]]))
    table.show()
    qtbot.waitExposed(table)
    table.setFocus()
    table.setCurrentCell(0, 0)
    qtbot.keyClick(table, Qt.Key.Key_Right)  # arrows pick the cell
    with qtbot.waitSignal(table.cellPairClicked, timeout=1000) as opened:
        qtbot.keyClick(table, key)
    assert opened.args == ["coat", "shirt"]
