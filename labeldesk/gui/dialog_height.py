"""A dialog whose report under its form grows by several lines (the Export and Import
dialogs): the dialog grows for it, rather than squeeze its rows."""

from __future__ import annotations

from PySide6.QtWidgets import QLayout, QWidget


def lay_out_now(widget: QWidget, *inner: QLayout | None) -> None:
    """Lay out ``inner`` and then ``widget``'s own layout at once, so that its size hint
    is up to date (inner first: each tells the layout around it its new size)."""
    for layout in (*inner, widget.layout()):
        if layout is not None:
            layout.activate()


def grow_to_fit(widget: QWidget, *inner: QLayout | None) -> None:
    """Make a shown ``widget`` as tall as its content asks for now; never shorter (a
    dialog made taller by hand keeps its height)."""
    if not widget.isVisible():
        return
    lay_out_now(widget, *inner)
    need = widget.sizeHint().height()
    if widget.height() < need:
        widget.resize(widget.width(), need)
