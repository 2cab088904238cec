"""The detail panel's large image: fitted to the widget by default; the mouse wheel zooms
around the pointer, a drag pans, a double-click goes back to fit. Small images are
upscaled with hard pixel edges (their pixels are the data). :meth:`ImagePreview.zoom_key`
does the same from the keyboard (+, - and Ctrl+0; the arrows pan while zoomed), for the
view that has the keys (the large image over the window: it is not a Tab stop here)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPixmap, QWheelEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from labeldesk.gui import shortcuts

ZOOM_STEP = 1.25  # per wheel notch, and per + or - key
MAX_ZOOM = 32.0  # screen pixels per image pixel
PAN_STEP = 0.1  # of the view's side, per arrow key
PAN_KEYS = {
    Qt.Key.Key_Left: QPointF(-1, 0),
    Qt.Key.Key_Right: QPointF(1, 0),
    Qt.Key.Key_Up: QPointF(0, -1),
    Qt.Key.Key_Down: QPointF(0, 1),
}


class ImagePreview(QWidget):
    """``enlarge``: fit a photo to the widget even past 1:1 (the large image over the
    window is sized to fit it); else only small images (128 px or less) are."""

    zoomChanged = Signal()  # zoomed, panned or fitted

    def __init__(self, parent: QWidget | None = None, enlarge: bool = False):
        super().__init__(parent)
        self._enlarge = enlarge
        self._pixmap: QPixmap | None = None
        self._text = ""
        self._scale: float | None = None  # screen px per image px; None = fit
        self._center = QPointF()  # image point at the widget's centre when zoomed
        self._drag: QPointF | None = None
        self.setMinimumSize(160, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setToolTip(
            "Wheel: zoom · drag: pan · double-click: fit\n"
            "Enter in the grid shows it larger, where + and - zoom and the arrows pan"
        )

    def sizeHint(self) -> QSize:
        return QSize(280, 280)

    def set_pixmap(self, pixmap: QPixmap | None, text: str = "") -> None:
        self._pixmap, self._text = pixmap, text
        self.fit()

    def has_image(self) -> bool:
        return self._pixmap is not None and not self._pixmap.isNull()

    # -- zoom ------------------------------------------------------------------------
    @property
    def zoomed(self) -> bool:
        return self._scale is not None

    def fit_scale(self) -> float:
        """The scale that fits the image (a normal photo is not blown past 1:1)."""
        if not self.has_image():
            return 1.0
        assert self._pixmap is not None
        area = self.rect().adjusted(4, 4, -4, -4)
        scale = min(area.width() / self._pixmap.width(), area.height() / self._pixmap.height())
        if self._pixmap.width() > 128 and not self._enlarge:
            scale = min(scale, 1.0)
        return max(scale, 1e-3)

    def scale(self) -> float:
        return self._scale if self._scale is not None else self.fit_scale()

    def fit(self) -> None:
        self._scale = None
        self.update()
        self.zoomChanged.emit()

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        """Zoom by ``factor`` keeping the image point under ``anchor`` (widget coords) put."""
        if not self.has_image():
            return
        anchor = anchor if anchor is not None else QPointF(self.rect().center())
        before = self._to_image(anchor)
        new = min(max(self.scale() * factor, self.fit_scale()), MAX_ZOOM)
        if new <= self.fit_scale() + 1e-9:
            self.fit()
            return
        self._scale = new
        self._center = before - (anchor - QPointF(self.rect().center())) / new
        self._keep_in_view()
        self.update()
        self.zoomChanged.emit()

    def pan_by(self, step: QPointF) -> None:
        """Show what lies ``step`` (screen pixels) further right and down, zoomed."""
        if self.zoomed:
            self._center += step / self.scale()
            self._keep_in_view()
            self.update()
            self.zoomChanged.emit()

    def _keep_in_view(self) -> None:
        """The view's centre stays on the image: panning never loses it off screen."""
        if self._pixmap is not None:
            x = min(max(self._center.x(), 0.0), float(self._pixmap.width()))
            y = min(max(self._center.y(), 0.0), float(self._pixmap.height()))
            self._center = QPointF(x, y)

    def zoom_key(self, event: QKeyEvent) -> bool:
        """Zoom (+, -), fit (Ctrl+0) or, zoomed, pan (the arrows) for the key ``event``;
        False for any other key (and for the arrows when not zoomed)."""
        if not self.has_image():
            return False
        if shortcuts.pressed(event, shortcuts.ZOOM_IN_KEYS):
            self.zoom_by(ZOOM_STEP)
        elif shortcuts.pressed(event, shortcuts.ZOOM_OUT_KEYS):
            self.zoom_by(1 / ZOOM_STEP)
        elif shortcuts.pressed(event, shortcuts.ZOOM_FIT_KEYS):
            self.fit()
        elif (
            self.zoomed
            and event.key() in PAN_KEYS
            and not event.modifiers() & ~(Qt.KeyboardModifier.KeypadModifier)
        ):
            step = PAN_KEYS[Qt.Key(event.key())]
            self.pan_by(QPointF(step.x() * self.width(), step.y() * self.height()) * PAN_STEP)
        else:
            return False
        return True

    def _image_center(self) -> QPointF:
        if self._scale is None or not self.has_image():
            assert self._pixmap is not None or not self.has_image()
            return (
                QPointF(self._pixmap.width() / 2, self._pixmap.height() / 2)
                if self._pixmap
                else QPointF()
            )
        return self._center

    def _to_image(self, point: QPointF) -> QPointF:
        return self._image_center() + (point - QPointF(self.rect().center())) / self.scale()

    def target_rect(self) -> QRectF:
        """Where the image is drawn, in widget coordinates."""
        assert self._pixmap is not None
        scale = self.scale()
        top_left = QPointF(self.rect().center()) - self._image_center() * scale
        return QRectF(top_left, QSize(self._pixmap.width(), self._pixmap.height()) * scale)

    # -- events ------------------------------------------------------------------------
    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps and self.has_image():
            self.zoom_by(ZOOM_STEP**steps, event.position())
            event.accept()
        else:
            super().wheelEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.zoomed and event.button() == Qt.MouseButton.LeftButton:
            self._drag = event.position()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag is not None and self.zoomed:
            self._center -= (event.position() - self._drag) / self.scale()
            self._drag = event.position()
            self._keep_in_view()
            self.update()
            self.zoomChanged.emit()
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag = None
        self.unsetCursor()
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.fit()
        super().mouseDoubleClickEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        area = self.rect().adjusted(4, 4, -4, -4)
        if self.has_image():
            assert self._pixmap is not None
            painter.setClipRect(self.rect())
            smooth = self.scale() < 2
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
            painter.drawPixmap(self.target_rect(), self._pixmap, QRectF(self._pixmap.rect()))
            if self.zoomed:
                painter.setPen(self.palette().placeholderText().color())
                label = f"{self.scale() * 100:.0f}%"
                painter.drawText(
                    area, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop, label
                )
        elif self._text:
            painter.setPen(self.palette().placeholderText().color())
            painter.drawText(
                area, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._text
            )
