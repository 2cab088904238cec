"""Is a message shown whole: does every piece its lines are made of fit its width?"""

from __future__ import annotations

import re

from PySide6.QtWidgets import QLabel


def widest_piece(label: QLabel) -> int:
    """The width in pixels of the widest piece of ``label``'s text as drawn that no line
    may break (split at spaces, the places to break a long word, and after a "/")."""
    shown = QLabel.text(label)  # (what is drawn: a WrappedMessage's places to break too)
    pieces = [p for p in re.split(r"[\s\u200b]+|(?<=/)(?=[^/\d])", shown) if p]
    return max(label.fontMetrics().horizontalAdvance(p) for p in pieces)


def assert_shown_whole(label: QLabel) -> None:
    """Every piece of ``label``'s text fits its width, and its lines its height (a QLabel
    breaks a line only at a space or after a "/": a longer folder name was cut off)."""
    assert label.isVisible()
    assert widest_piece(label) <= label.contentsRect().width()
    assert label.height() >= label.heightForWidth(label.width())
