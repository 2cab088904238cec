"""Light and dark palettes. Fusion style so a palette looks the same on every platform."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QStyleFactory

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
