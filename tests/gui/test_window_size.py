"""The window's size: the first one fits the screen, and a short window scrolls the
detail panel rather than cutting its lines."""

from __future__ import annotations

from PySide6.QtWidgets import QScrollArea


def test_the_first_window_fits_a_small_screen_in_its_middle():
    """The first window was 1,400 × 900 on a 1,366 × 768 screen: its status bar, with the
    job's Cancel, was below the screen's edge. It opens in the middle of the free area."""
    from PySide6.QtCore import QPoint, QRect

    from labeldesk.gui.window_place import FIRST_SIZE, first_geometry

    class Screen:
        def __init__(self, rect: QRect):
            self.rect = rect

        def availableGeometry(self) -> QRect:
            return self.rect

    room = QRect(0, 40, 1366, 728)  # a taskbar at the top takes the rest
    small = first_geometry(Screen(room))
    assert small is not None and room.contains(small)
    assert small.width() < 1366 and small.height() < 728  # room for the frame
    assert abs(small.center().x() - room.center().x()) <= 1
    assert abs(small.center().y() - room.center().y()) <= 1
    big = first_geometry(Screen(QRect(0, 0, 2560, 1400)))
    assert big is not None and big.size() == FIRST_SIZE and big.topLeft() == QPoint(580, 250)
    assert first_geometry(None) is None and first_geometry(Screen(QRect())) is None


def test_a_short_window_scrolls_the_detail_panel_rather_than_cutting_its_lines(
    qtbot, window, project
):
    """At 600 px high the detail panel's wrapped lines (a long path, the model's note)
    were cut, and the panel asked 570 px: the window could not be 600 high. The panel
    scrolls now, and at a common size it does not."""
    window.open_project(project.path)
    qtbot.waitUntil(lambda: window.view.model.rowCount() > 0, timeout=10000)
    window.view.grid.select_row(0)
    panel = window.view.detail
    window.resize(800, 520)
    qtbot.waitUntil(lambda: window.height() == 520)
    qtbot.wait(50)
    for label in panel.fields.values():
        assert label.height() >= label.heightForWidth(label.width()), label.text()
    scroll = panel.findChild(QScrollArea)
    assert scroll.verticalScrollBar().maximum() > 0  # the rest is a scroll away
    window.resize(1280, 800)
    qtbot.waitUntil(lambda: window.height() == 800)
    qtbot.wait(50)
    assert scroll.verticalScrollBar().maximum() == 0
    assert panel.preview.height() >= 200  # the room goes to the picture
