"""The key-hint line under a review (and the queue) says the image's state ("Decided:
keep."): drawn in the palette's mid tone it was as dark as the dark theme's background."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor

from labeldesk.gui.review_info import ReviewInfo


def text_contrast(widget) -> float:
    """The lightness gap between the widget's background (its most common tone) and the
    text's (the tone farthest from it that a few pixels have: not one stray pixel)."""
    image = widget.grab().toImage()
    counts: dict[str, int] = {}
    for x in range(image.width()):
        for y in range(image.height()):
            name = image.pixelColor(x, y).name()
            counts[name] = counts.get(name, 0) + 1
    background = QColor(max(counts, key=counts.get)).lightness()
    text = [QColor(name).lightness() for name, n in counts.items() if n >= 5]
    return max(abs(t - background) for t in text)


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_the_hint_line_is_readable_in_either_theme(qtbot, qapp, light_theme, theme):
    from labeldesk.gui.theme import apply_theme

    apply_theme(qapp, theme)
    info = ReviewInfo()
    qtbot.addWidget(info)
    info.hint.setText("1–9 label · K keep · X exclude · Decided: keep.")
    info.hint.resize(600, 40)
    info.show()
    qtbot.waitExposed(info)
    assert text_contrast(info.hint) > 70


def test_a_class_and_its_key_stay_on_one_line_of_the_hint():
    """The hint wrapped inside a class name ("9 t-" / "shirt_top")."""
    from labeldesk.gui.review_words import unbroken

    kept = unbroken("9 t-shirt_top")
    assert kept == "9\u00a0t\u2011shirt_top"
    assert " " not in kept and "-" not in kept
