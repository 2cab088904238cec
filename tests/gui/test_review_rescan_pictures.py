"""After a rescan finds the image under review edited in place, the review shows the new
picture: an edited file keeps its path, the key of the review's image cache."""

from __future__ import annotations

from helpers import write_image
from PySide6.QtGui import QImage

from labeldesk.gui.review_view import ReviewView
from labeldesk.gui.workers import JobRunner


def centre_blue(image: QImage | None) -> int:
    assert image is not None and not image.isNull()
    return image.pixelColor(image.width() // 2, image.height() // 2).blue()


def test_a_rescan_shows_the_edited_image_under_review_anew(qtbot, clustered):
    project, _ = clustered
    runner = JobRunner()
    view = ReviewView(project, runner)
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    try:
        with qtbot.waitSignal(view.loaded, timeout=20000):
            view.load("issues")
        path = view.session.current.path
        qtbot.waitUntil(lambda: view.loader.cached(path) is not None, timeout=5000)
        write_image(project.root / path, size=(8, 8), fmt="PNG", color=(0, 0, 255))
        assert centre_blue(view.loader.cached(path)) < 250  # the old picture: noise

        project.scan()  # finds it edited; the view hears of it queued
        qtbot.waitUntil(
            lambda: (image := view.loader.cached(path)) is not None and centre_blue(image) == 255,
            timeout=5000,
        )
        assert view.session.current.path == path  # still the image under review
        assert centre_blue(view.image.pixmap().toImage()) == 255  # and on screen
    finally:
        view.shutdown()
        runner.shutdown()
