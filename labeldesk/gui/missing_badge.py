"""The "file missing" badge on a neighbour tile whose image's file is gone from the image
folder since the last scan (:mod:`labeldesk.core.gone_files`): the tile still shows the
picture as scanned (the stored thumbnail), with a band across its foot that says so.
The review's neighbour strip and the browser's details draw the same band."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPixmap

from labeldesk.core.gone_files import FILE_MISSING

BADGE_BACK = QColor(150, 20, 20, 225)  # deep red, a little of the picture through
BADGE_TEXT = QColor("white")


def with_missing_badge(pixmap: QPixmap, side: int) -> QPixmap:
    """A ``side`` × ``side`` copy of ``pixmap`` (centred; a null one leaves the square
    empty) with the badge across its foot: a tile too small for its picture's own size
    still has room for the words."""
    ratio = pixmap.devicePixelRatio() if not pixmap.isNull() else 1.0
    out = QPixmap(round(side * ratio), round(side * ratio))
    out.setDevicePixelRatio(ratio)
    out.fill(Qt.GlobalColor.transparent)
    painter = QPainter(out)
    try:
        if not pixmap.isNull():
            width, height = pixmap.width() / ratio, pixmap.height() / ratio
            painter.drawPixmap(round((side - width) / 2), round((side - height) / 2), pixmap)
        font = QFont(painter.font())
        font.setPixelSize(max(9, side // 8))
        font.setBold(True)
        painter.setFont(font)
        band = round(painter.fontMetrics().height() * 1.3)
        foot = QRect(0, side - band, side, band)
        painter.fillRect(foot, BADGE_BACK)
        painter.setPen(BADGE_TEXT)
        painter.drawText(foot, int(Qt.AlignmentFlag.AlignCenter), FILE_MISSING)
    finally:
        painter.end()
    return out
