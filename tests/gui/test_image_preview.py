"""The detail panel's preview: fit by default, wheel zoom around the pointer, pan, fit."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QPixmap, QWheelEvent

from gui.shown import shown
from labeldesk.gui.image_preview import MAX_ZOOM, ImagePreview


def make(qtbot, side=28) -> ImagePreview:
    preview = ImagePreview()
    shown(qtbot, preview, (300, 300))
    pixmap = QPixmap(side, side)
    pixmap.fill(QColor("red"))
    preview.set_pixmap(pixmap)
    return preview


def wheel(preview: ImagePreview, at: QPointF, notches: int) -> None:
    event = QWheelEvent(
        at,
        preview.mapToGlobal(at),
        QPoint(),
        QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    preview.wheelEvent(event)


def test_fits_then_zooms_around_the_pointer_and_double_click_fits_again(qtbot):
    preview = make(qtbot)
    fit = preview.fit_scale()
    assert not preview.zoomed and abs(fit - 292 / 28) < 1e-6  # a tiny image fills the area
    anchor = QPointF(200, 120)
    image_point = preview._to_image(anchor)
    wheel(preview, anchor, 2)
    assert preview.zoomed and abs(preview.scale() - fit * 1.25**2) < 1e-6
    after = preview._to_image(anchor)
    assert abs(after.x() - image_point.x()) < 1e-6 and abs(after.y() - image_point.y()) < 1e-6
    qtbot.mouseDClick(preview, Qt.MouseButton.LeftButton)
    assert not preview.zoomed


def test_dragging_pans_and_zoom_stays_between_fit_and_the_maximum(qtbot):
    preview = make(qtbot, side=1000)  # a photo: fit is below 1:1
    wheel(preview, QPointF(150, 150), 40)
    assert preview.scale() == MAX_ZOOM
    before = preview.target_rect().topLeft()
    qtbot.mousePress(preview, Qt.MouseButton.LeftButton, pos=QPoint(100, 100))
    qtbot.mouseMove(preview, QPoint(130, 110))
    qtbot.mouseRelease(preview, Qt.MouseButton.LeftButton, pos=QPoint(130, 110))
    moved = preview.target_rect().topLeft() - before
    assert abs(moved.x() - 30) < 1e-6 and abs(moved.y() - 10) < 1e-6
    wheel(preview, QPointF(150, 150), -100)  # zooming out never goes below fit
    assert not preview.zoomed
    preview.set_pixmap(None, "gone")
    wheel(preview, QPointF(150, 150), 3)  # no image: nothing to zoom
    assert not preview.zoomed
