"""Paints one grid tile: the image fitted to a square, a class-colored bar, the label.

Small images (28×28 datasets) are upscaled with nearest-neighbour so pixels stay sharp;
images larger than the tile are scaled smoothly. Excluded images are dimmed and marked
with ✕, verified ones with ✓, likely mislabels with an orange !.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from labeldesk.core.vocab import EXCLUDED, VERIFIED
from labeldesk.gui.app_words import NO_LABEL
from labeldesk.gui.image_model import ImageListModel, TileData

# Distinct, colorblind-friendly-ish hues (Tableau 10 + 10 more), cycled for more classes.
CLASS_COLORS = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#17becf",  # not Tableau's grey: it looked like the unlabeled colour
    "#1f77b4",
    "#bab0ac",
    "#bcbd22",
    "#8c564b",
    "#e377c2",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#7f7f7f",
    "#ff7f0e",
)
UNLABELED_COLOR = "#9a9a9a"
FLAG_COLOR = "#e8912d"  # the "likely mislabeled" badge
SELECTED_TINT = 70  # alpha of the highlight over a selected tile
CURRENT_TINT = 140  # … over the current one among them
SPLIT_ABBREVIATIONS = {"train": "train", "val": "val", "test": "test"}


def class_color(slot: int) -> QColor:
    """The colour of a class whose palette slot is ``slot`` (-1: no class). A class keeps
    its slot through merges, removals and renames (:mod:`labeldesk.core.class_colours`):
    ask the catalog or the project for it, not the class's place in the list."""
    if slot < 0:
        return QColor(UNLABELED_COLOR)
    return QColor(CLASS_COLORS[slot % len(CLASS_COLORS)])


@dataclass(frozen=True)
class TileMetrics:
    """Tile geometry; the grid uses :attr:`size` as its uniform grid size."""

    image_side: int = 112
    padding: int = 6
    bar_height: int = 4
    label_height: int = 22

    @property
    def size(self) -> QSize:
        side = self.image_side + 2 * self.padding
        return QSize(side, side + self.bar_height + self.label_height)


class TileDelegate(QStyledItemDelegate):
    def __init__(self, metrics: TileMetrics | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.metrics = metrics or TileMetrics()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return self.metrics.size

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        m = self.metrics
        palette: QPalette = option.palette
        state = option.state
        cell: QRect = option.rect
        tile = QRect(0, 0, min(cell.width(), m.size.width()), cell.height())
        tile.moveCenter(cell.center())  # centered when the grid widens its cells
        tile.adjust(2, 2, -2, -2)
        selected = bool(state & QStyle.StateFlag.State_Selected)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        view = option.widget
        current = isinstance(view, QAbstractItemView) and view.currentIndex().row() == index.row()
        focused = bool(state & QStyle.StateFlag.State_HasFocus)
        self._paint_background(painter, palette, tile, selected, focused, current)
        image_rect = QRect(
            tile.x() + m.padding - 2, tile.y() + m.padding - 2, m.image_side, m.image_side
        )
        data = self._tile(index)
        excluded = data.status == EXCLUDED
        if data.pixmap is not None and not data.pixmap.isNull():
            self._paint_image(painter, data.pixmap, image_rect, dimmed=excluded)
        else:
            text = "skipped" if data.skipped else "no preview" if data.failed else ""
            self._paint_placeholder(painter, palette, image_rect, text)
        bar = QRect(image_rect.left(), image_rect.bottom() + 1, image_rect.width(), m.bar_height)
        painter.fillRect(bar, class_color(data.colour_slot))
        text_rect = QRect(image_rect.left(), bar.bottom() + 1, image_rect.width(), m.label_height)
        self._paint_text(painter, palette, text_rect, data)
        if excluded:
            self._paint_badge(painter, image_rect, "✕", QColor("#d9534f"))
        elif data.status == VERIFIED:
            self._paint_badge(painter, image_rect, "✓", QColor("#3c9a4a"))
        elif data.flagged:
            self._paint_badge(painter, image_rect, "!", QColor(FLAG_COLOR))
        painter.restore()

    @staticmethod
    def _tile(index: QModelIndex | QPersistentModelIndex) -> TileData:
        model = index.model()
        if not isinstance(model, ImageListModel):  # e.g. a proxy: see TileData's note
            raise TypeError("TileDelegate paints ImageListModel rows only")
        return model.tile(index.row())

    # -- pieces --------------------------------------------------------------------
    @staticmethod
    def _paint_background(
        painter: QPainter,
        palette: QPalette,
        tile: QRect,
        selected: bool,
        focused: bool,
        current: bool = False,
    ) -> None:
        """A selected tile: framed and tinted in the theme's highlight; the current one
        (the detail panel's image, the one Esc keeps) framed thicker and tinted deeper, so
        it stands out among many selected. The focused tile, not selected: a dashed frame."""
        highlight = palette.color(QPalette.ColorRole.Highlight)
        if selected:
            fill = QColor(highlight)
            fill.setAlpha(CURRENT_TINT if current else SELECTED_TINT)
            painter.setPen(QPen(highlight, 3 if current else 2))
            painter.setBrush(fill)
            painter.drawRoundedRect(QRectF(tile).adjusted(1, 1, -1, -1), 5, 5)
        elif focused:
            painter.setPen(QPen(highlight, 1, Qt.PenStyle.DashLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(QRectF(tile).adjusted(1, 1, -1, -1), 5, 5)

    @staticmethod
    def _paint_image(painter: QPainter, pixmap: QPixmap, area: QRect, dimmed: bool) -> None:
        ratio = pixmap.devicePixelRatio() or 1.0
        size = QSize(round(pixmap.width() / ratio), round(pixmap.height() / ratio))
        target_size = size.scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
        target = QRect(0, 0, target_size.width(), target_size.height())
        target.moveCenter(area.center())
        # Upscaling a tiny image by 2× or more: keep hard pixel edges, they are the data.
        smooth = target.width() * ratio < 2 * pixmap.width()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
        if dimmed:
            painter.setOpacity(0.35)
        painter.drawPixmap(target, pixmap)
        painter.setOpacity(1.0)

    @staticmethod
    def _paint_placeholder(painter: QPainter, palette: QPalette, area: QRect, text: str) -> None:
        color = palette.color(QPalette.ColorRole.Mid)
        color.setAlpha(60)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawRoundedRect(QRectF(area), 4, 4)
        if text:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter, text)

    def _paint_text(
        self, painter: QPainter, palette: QPalette, area: QRect, data: TileData
    ) -> None:
        label = data.label
        split = SPLIT_ABBREVIATIONS.get(data.split or "", "")
        font = QFont(painter.font())
        metrics = painter.fontMetrics()
        split_width = metrics.horizontalAdvance(split) + 4 if split else 0
        text_color = palette.color(QPalette.ColorRole.Text)  # selection fill is translucent
        dim = palette.color(QPalette.ColorRole.PlaceholderText)
        if label:
            font.setBold(True)
            font.setStrikeOut(data.status == EXCLUDED)
            painter.setFont(font)
            painter.setPen(text_color)
            text = painter.fontMetrics().elidedText(
                label, Qt.TextElideMode.ElideRight, area.width() - split_width
            )
        else:
            font.setItalic(True)
            painter.setFont(font)
            painter.setPen(dim)
            text = NO_LABEL
        align = Qt.AlignmentFlag.AlignVCenter
        painter.drawText(area, align | Qt.AlignmentFlag.AlignLeft, text)
        if split:
            font.setStrikeOut(False)
            font.setBold(False)
            font.setItalic(False)
            painter.setFont(font)
            painter.setPen(dim)
            painter.drawText(area, align | Qt.AlignmentFlag.AlignRight, split)

    @staticmethod
    def _paint_badge(painter: QPainter, area: QRect, symbol: str, color: QColor) -> None:
        badge = QRect(area.right() - 19, area.top() + 3, 16, 16)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawEllipse(badge)
        painter.setPen(QColor("white"))
        font = QFont(painter.font())
        font.setBold(True)
        font.setPointSizeF(max(6.0, font.pointSizeF() * 0.8))
        painter.setFont(font)
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, symbol)
