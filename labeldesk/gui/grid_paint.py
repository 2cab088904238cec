"""The grid's painting: :class:`PaintsTiles`, the part of
:class:`~labeldesk.gui.thumbnail_grid.ThumbnailGrid` that paints only the tiles that meet
the dirty rectangle (asking the model for those rows alone), the words shown while no
tile is, and the rubber band."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QStyle, QStyleOptionRubberBand, QStyleOptionViewItem

if TYPE_CHECKING:
    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QListView

    from labeldesk.gui.grid_layout import GridGeometry

if TYPE_CHECKING:  # the grid's base, for the type checker: the mixin is a plain class
    _GridBase = QListView
else:
    _GridBase = object


class PaintsTiles(_GridBase):
    """The thumbnail grid's painting (a mixin of :class:`~.thumbnail_grid.ThumbnailGrid`,
    listed before ``QListView`` so that its ``paintEvent`` is the one Qt calls)."""

    if TYPE_CHECKING:  # what it uses of the grid
        _geometry: GridGeometry
        _band: QRect
        empty_text: str

        def _content_rect(self, row: int) -> QRect: ...

    # -- painting ---------------------------------------------------------------------------
    def set_empty_text(self, text: str) -> None:
        """What the grid says while it shows no tile (the choices that hide them)."""
        if text != self.empty_text:
            self.empty_text = text
            self.viewport().update()

    def paintEvent(self, event: QPaintEvent) -> None:
        """The tiles that meet the dirty rectangle, nothing else."""
        area = event.rect()
        top = self.verticalOffset()
        painter = QPainter(self.viewport())
        option = QStyleOptionViewItem()
        self.initViewItemOption(option)
        model, delegate = self.model(), self.itemDelegate()
        selection = self.selectionModel()
        current = self.currentIndex()
        focused = self.hasFocus()
        base_state = option.state
        State = QStyle.StateFlag
        for row in self._geometry.rows_in_band(area.top() + top, area.bottom() + top):
            rect = self._content_rect(row).translated(0, -top)
            if not rect.intersects(area):
                continue
            index = model.index(row, 0)
            option.rect = rect
            state = base_state
            if selection.isSelected(index):
                state |= State.State_Selected
            if focused and index == current:
                state |= State.State_HasFocus
            option.state = state
            delegate.paint(painter, option, index)
        if self.empty_text and not model.rowCount():
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
            painter.drawText(
                self.viewport().rect().adjusted(24, 24, -24, -24), flags, self.empty_text
            )
        if not self._band.isNull() and self.isSelectionRectVisible():
            band = QStyleOptionRubberBand()
            band.initFrom(self)
            band.shape = band.shape.Rectangle
            band.opaque = False
            band.rect = self._band.translated(0, -top)
            self.style().drawControl(QStyle.ControlElement.CE_RubberBand, band, painter)
        painter.end()
