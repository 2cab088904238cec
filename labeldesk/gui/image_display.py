"""Showing an image at screen size: load the original pixels, scale them to fit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QPixmap, QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from labeldesk.core.imageio import load_rgb
from labeldesk.gui.thumbnails import pil_to_qimage

if TYPE_CHECKING:
    from labeldesk.core.project import Project


def load_image(project: Project, path: str) -> QImage:
    """The original pixels (thread-safe QImage); the thumbnail if the original fails."""
    try:
        return pil_to_qimage(load_rgb(project.image_path(path)))
    except Exception:  # a broken file: fall back to the cached thumbnail
        return QImage(str(project.thumbnail(path)))


def fit_pixmap(image: QImage, size: QSize) -> QPixmap:
    """Scale to fit ``size``: whole-number nearest-neighbour enlargement keeps tiny images
    (28×28) sharp; shrinking is smooth."""
    if image.isNull() or size.width() < 2 or size.height() < 2:
        return QPixmap()
    factor = min(size.width() / image.width(), size.height() / image.height())
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
            size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
    return QPixmap.fromImage(scaled)


class ImageLabel(QLabel):
    """Shows one image as large as it fits, rescaled on resize."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(240, 240)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self._image = QImage()

    def set_image(self, image: QImage) -> None:
        self._image = image
        self._rescale()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._rescale()

    def _rescale(self) -> None:
        self.setPixmap(fit_pixmap(self._image, self.contentsRect().size()))
