"""Statistics by keyboard: Tab goes down the left column (the duplicates' counts, the
training history) before the matrix at the right, and leaves the page after the
matrix. The box holding the duplicates and the history was a Tab stop of its own that
came after the matrix: Tab went history, split, matrix, then back to the left column."""

from __future__ import annotations

from ml.fake_embeddings import make_clustered_project
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from gui.shown import shown
from labeldesk.gui.stats_view import StatsView


def _tab_walk(qtbot, widget: StatsView, start: QWidget) -> list[QWidget]:
    start.setFocus()
    qtbot.waitUntil(start.hasFocus)
    seen: list[QWidget] = []
    for _ in range(20):
        qtbot.keyClick(widget.focusWidget(), Qt.Key.Key_Tab)
        now = widget.focusWidget()
        if now is start:
            return seen
        seen.append(now)
    raise AssertionError(f"Tab never came back to the chart: {seen}")


def test_tab_reads_the_left_column_before_the_matrix_and_ends_there(qtbot, tmp_path):
    project, _ = make_clustered_project(tmp_path)
    widget = StatsView(project)
    shown(qtbot, widget, (1280, 650))
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow)
    try:
        chain = _tab_walk(qtbot, widget, widget.chart)
        assert chain[-2:] == [widget.confusion_split, widget.confusion], chain
        history_area = widget.history.parentWidget()
        while history_area is not None and history_area.accessibleName() != (
            "Duplicates and training history"
        ):
            history_area = history_area.parentWidget()
        assert history_area is not None
        left = [w for w in chain if w is history_area or history_area.isAncestorOf(w)]
        assert left == [widget.history], chain  # the area itself is no stop of its own
    finally:
        widget.shutdown()
        project.close()
