"""Light and dark palettes. Fusion style so a palette looks the same on every platform."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QStyleFactory

from labeldesk.gui import settings

_DARK = {
    QPalette.ColorRole.Window: "#2b2d30",
    QPalette.ColorRole.WindowText: "#dfe1e5",
    QPalette.ColorRole.Base: "#1e1f22",
    QPalette.ColorRole.AlternateBase: "#2b2d30",
    QPalette.ColorRole.ToolTipBase: "#3c3f41",
    QPalette.ColorRole.ToolTipText: "#dfe1e5",
    QPalette.ColorRole.PlaceholderText: "#8c8f94",
    QPalette.ColorRole.Text: "#dfe1e5",
    QPalette.ColorRole.Button: "#3c3f41",
    QPalette.ColorRole.ButtonText: "#dfe1e5",
    QPalette.ColorRole.BrightText: "#ff6b68",
    QPalette.ColorRole.Light: "#4a4d50",
    QPalette.ColorRole.Midlight: "#3c3f41",
    QPalette.ColorRole.Mid: "#323437",
    QPalette.ColorRole.Dark: "#1b1c1e",
    QPalette.ColorRole.Shadow: "#111111",
    QPalette.ColorRole.Highlight: "#2f65ca",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Link: "#589df6",
}


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, color in _DARK.items():
        palette.setColor(role, QColor(color))
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6f7276"))
    return palette


_desktop: QPalette | None = None  # the desktop's palette, before the app set its own


def desktop_palette() -> QPalette:
    """The palette the desktop gave Qt, as it was before LabelDesk first set one."""
    global _desktop
    if _desktop is None:
        _desktop = QPalette(QGuiApplication.palette())
    return _desktop


def desktop_theme() -> str:
    """ "dark" where the desktop asks for a dark look (its colour scheme says so, or
    its palette has dark windows), else "light"."""
    if QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark:
        return "dark"
    window = desktop_palette().color(QPalette.ColorRole.Window)
    return "dark" if window.lightness() < 128 else "light"


def current_theme() -> str:
    """The theme the user picked on View → Dark theme, or the desktop's until then."""
    return settings.theme() if settings.theme_chosen() else desktop_theme()


def apply_theme(app: QApplication, name: str) -> None:
    """Switch the whole application to ``name`` ("light" or "dark")."""
    fusion = QStyleFactory.create("Fusion")
    if fusion is not None:
        app.setStyle(fusion)
    app.setPalette(dark_palette() if name == "dark" else app.style().standardPalette())
    # once every widget has taken the new palette (Qt posts that to each of them)
    QTimer.singleShot(0, lambda: restyle(app))


def restyle(app: QApplication) -> None:
    """Colours resolved from the old palette, drawn again from the new one: a widget
    with a style sheet keeps the palette it was polished with (the start page's drop hint
    stayed light grey on light grey after dark and back), and a label's rich text keeps
    its links' colour (pure blue on the dark background)."""
    for widget in app.allWidgets():
        sheet = widget.styleSheet()
        if sheet:
            widget.setStyleSheet("")
            widget.setStyleSheet(sheet)
        if isinstance(widget, QLabel) and "<a " in widget.text():
            text = widget.text()  # QLabel ignores the text it already has: clear it first
            widget.setText("")
            widget.setText(text)
