"""What a screen reader says for each place Tab reaches: every focusable widget has a
name (its own text, a label that names it, or an accessible name); the grid, the lists,
the tables and the plots had none, and the selection banner's ✕ read as a symbol."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLabel,
    QWidget,
)

from labeldesk.gui.selection_banner import SelectionBanner


def _named_by_a_label(widget: QWidget, root: QWidget) -> bool:
    return any(label.buddy() is widget for label in root.findChildren(QLabel))


def _unnamed(root: QWidget) -> list[str]:
    missing = []
    for widget in root.findChildren(QWidget):
        if not widget.isVisibleTo(root) or not widget.isEnabled():
            continue
        if not widget.focusPolicy() & Qt.FocusPolicy.TabFocus or widget.focusProxy():
            continue
        if isinstance(widget, QLabel) or widget.objectName().startswith("qt_"):
            continue  # a label reads its text
        if widget.accessibleName() or _named_by_a_label(widget, root):
            continue
        if isinstance(widget, QAbstractButton) and widget.text().strip("✕ "):
            continue
        if isinstance(widget, QComboBox) and widget.parent() is not None and widget.isEditable():
            continue
        missing.append(f"{type(widget).__name__}({widget.objectName()!r})")
    return missing


def test_every_place_tab_reaches_in_the_browser_has_a_name(view):
    view.detail.set_model_available(True)  # its buttons enabled, as with embeddings
    assert _unnamed(view) == []


def test_the_selection_banner_button_says_what_it_does(qtbot):
    banner = SelectionBanner()
    qtbot.addWidget(banner)
    banner.say("selected on the map", 3, 3)
    banner.show()
    assert banner.clear_button.accessibleName() == "Drop the selection"
    assert _unnamed(banner) == []


def test_every_place_tab_reaches_on_statistics_and_versions_has_a_name(qtbot, project):
    from labeldesk.gui.stats_view import StatsView
    from labeldesk.gui.versions_view import VersionsView

    stats = StatsView(project)
    versions = VersionsView(project)
    for page in (stats, versions):
        qtbot.addWidget(page)
        page.resize(1200, 800)
        page.show()
    try:
        assert _unnamed(stats) == []
        assert _unnamed(versions) == []
    finally:
        stats.shutdown()
        versions.shutdown()
        QApplication.processEvents()


def test_every_place_tab_reaches_on_training_and_the_map_has_a_name(qtbot, project):
    from labeldesk.gui.map_view import MapView
    from labeldesk.gui.training_panel import TrainingPanel

    training = TrainingPanel(project)
    map_view = MapView(project, method="pca")
    for page in (training, map_view):
        qtbot.addWidget(page)
        page.resize(1200, 800)
        page.show()
    try:
        assert _unnamed(training) == []
        assert _unnamed(map_view) == []
    finally:
        training.shutdown()
        map_view.shutdown()
