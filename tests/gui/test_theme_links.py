"""A theme switch redraws the links of labels already on screen in the new link colour."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel


def _colours(label: QLabel) -> set[str]:
    image = label.grab().toImage()
    width, height = image.width(), image.height()
    return {QColor(image.pixel(x, y)).name() for x in range(width) for y in range(height)}


def test_a_link_drawn_in_the_light_theme_takes_the_dark_link_colour(qapp, qtbot, light_theme):
    """Statistics' "review them" stayed pure blue on dark grey after Ctrl+Shift+D: the
    switch set each label's text again to redraw it, but QLabel ignores the same text."""
    from labeldesk.gui.theme import apply_theme

    apply_theme(qapp, "light")
    label = QLabel("about 41 · <a href='review'>review them</a>")
    qtbot.addWidget(label)
    label.show()
    qtbot.waitExposed(label)
    light_link = qapp.palette().color(QPalette.ColorRole.Link).name()
    assert light_link in _colours(label)

    apply_theme(qapp, "dark")
    dark_link = qapp.palette().color(QPalette.ColorRole.Link).name()
    assert dark_link != light_link
    qtbot.waitUntil(lambda: dark_link in _colours(label), timeout=2000)
    assert light_link not in _colours(label)
