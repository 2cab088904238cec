"""Pixmaps sized for the screen's pixel density.

On a HiDPI screen (QT_SCALE_FACTOR=2, or a desktop at 200 %) a widget of 96 × 96 is
192 × 192 screen pixels. A pixmap made at 96 × 96 is then drawn twice its size and
smoothed: a photo looks soft, a 28-px image's pixels blurred. These helpers make the
pixmap at the screen's pixels and tag it with the ratio, so Qt draws it one to one.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QWidget


def pixel_ratio(widget: QWidget) -> float:
    """Screen pixels per layout pixel where ``widget`` is shown (1 on a normal screen)."""
    return max(1.0, float(widget.devicePixelRatioF()))


def fit_pixmap(image: QImage, size: QSize, ratio: float = 1.0) -> QPixmap:
    """``image`` fitted in ``size`` (layout pixels) at ``ratio`` screen pixels each:
    whole-number nearest-neighbour enlargement keeps tiny images (28×28) sharp;
    shrinking is smooth."""
    box = QSize(int(size.width() * ratio), int(size.height() * ratio))
    if image.isNull() or box.width() < 2 or box.height() < 2:
        return QPixmap()
    factor = min(box.width() / image.width(), box.height() / image.height())
    if factor >= 1:
        whole = max(1, int(factor))
        scaled = image.scaled(
            image.width() * whole,
            image.height() * whole,
            Qt.AspectRatioMode.IgnoreAspectRatio,
            Qt.TransformationMode.FastTransformation,
        )
    else:
        scaled = image.scaled(
            box, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
    pixmap = QPixmap.fromImage(scaled)
    pixmap.setDevicePixelRatio(ratio)
    return pixmap


def square_pixmap(pixmap: QPixmap, side: int, ratio: float = 1.0) -> QPixmap:
    """``pixmap`` (its own pixels, whatever its tag) scaled to fit ``side`` × ``side``
    layout pixels at ``ratio``: one enlarged two times or more keeps hard pixel edges
    (a 28-px image's pixels are the data), others are scaled smoothly."""
    box = max(1, round(side * ratio))
    tiny = max(pixmap.width(), pixmap.height()) * 2 <= box
    mode = (
        Qt.TransformationMode.FastTransformation
        if tiny
        else Qt.TransformationMode.SmoothTransformation
    )
    scaled = pixmap.scaled(box, box, Qt.AspectRatioMode.KeepAspectRatio, mode)
    scaled.setDevicePixelRatio(ratio)
    return scaled
