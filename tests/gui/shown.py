"""A widget on screen at a given size, as most GUI tests begin: handed to qtbot (closed
after the test), resized, shown and waited for until it is exposed."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtWidgets import QWidget

W = TypeVar("W", bound=QWidget)


def shown(qtbot, widget: W, size: tuple[int, int]) -> W:
    """``widget``, ``size`` (width, height) px, shown and exposed."""
    qtbot.addWidget(widget)
    widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)
    return widget
