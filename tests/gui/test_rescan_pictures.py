"""After a rescan finds files edited in place, the grid and the detail panel show the new
pictures: an edited file keeps its image id (and its path), the keys of the caches."""

from __future__ import annotations

import threading
from pathlib import Path

from helpers import write_image
from PySide6.QtGui import QColor, QImage

from labeldesk.gui.detail_panel import PREVIEW_MAX_SIDE


def centre_blue(image: QImage | None) -> int:
    assert image is not None and not image.isNull()
    return image.pixelColor(image.width() // 2, image.height() // 2).blue()


def test_a_rescan_shows_edited_files_anew(qtbot, window, tmp_path: Path):
    from labeldesk.core.create import create_and_index

    root = tmp_path / "imgs"
    for i in range(3):
        write_image(root / "cat" / f"c{i}.jpg", size=(300, 200), color=(200, 0, 0))
    create_and_index(tmp_path / "proj", root, workers=1)[0].close()
    assert window.open_project(tmp_path / "proj")
    view, project = window.view, window.project
    path = "cat/c0.jpg"
    image_id = project.ids_for([path])[path]
    view.grid.select_row(view.model.row_of_id(image_id))
    loader, previews = view.loader, view.detail.previews
    loader.pixmap(image_id, path, 300, 200)
    qtbot.waitUntil(lambda: loader._cache.get(image_id) is not None)
    qtbot.waitUntil(lambda: previews.cached(path, PREVIEW_MAX_SIDE) is not None)
    assert centre_blue(previews.cached(path, PREVIEW_MAX_SIDE)) < 50  # red, as written

    write_image(root / path, size=(300, 200), color=(0, 0, 255))  # edited in place
    job = window.rescan()
    assert job is not None
    qtbot.waitUntil(lambda: not job.running, timeout=20000)
    qtbot.waitUntil(lambda: view.fill_job is not None and not view.fill_job.running)
    assert project.ids_for([path])[path] == image_id  # the cache key did not change

    def tile() -> QImage | None:
        pixmap = loader.pixmap(image_id, path, 300, 200)
        return None if pixmap is None else pixmap.toImage()

    qtbot.waitUntil(lambda: tile() is not None)
    assert centre_blue(tile()) > 200
    qtbot.waitUntil(lambda: previews.cached(path, PREVIEW_MAX_SIDE) is not None)
    assert centre_blue(previews.cached(path, PREVIEW_MAX_SIDE)) > 200


def coloured(name: str) -> QImage:
    image = QImage(40, 40, QImage.Format.Format_RGB888)
    image.fill(QColor(name))
    return image


def test_loads_under_way_when_a_file_is_found_edited_are_read_again(qtbot, project, monkeypatch):
    """A tile or preview decoded from the old file but delivered after the rescan must
    not be kept: it is read again."""
    from labeldesk.gui import image_display
    from labeldesk.gui.image_display import ImageLoader
    from labeldesk.gui.thumbnails import ThumbnailLoader

    gate, colour, reading = threading.Event(), ["red"], threading.Semaphore(0)

    def load(*_: object, **__: object) -> QImage:
        read = colour[0]  # the file as it is now...
        reading.release()
        gate.wait(10)  # ...decoded while the rescan finds it edited
        return coloured(read)

    thumbs = ThumbnailLoader(load)
    monkeypatch.setattr(image_display, "load_image", load)
    previews = ImageLoader(project)
    try:
        assert thumbs.pixmap(7, "a.jpg", 40, 40) is None  # the load starts
        previews.request(["a.jpg"], 512)
        assert reading.acquire(timeout=5) and reading.acquire(timeout=5)  # both under way
        thumbs.forget([7])  # the rescan found a.jpg edited...
        previews.clear()
        colour[0] = "blue"  # ...and the file now holds this
        gate.set()
        with qtbot.waitSignal(thumbs.ready):  # the stale one: "ask again"
            pass
        qtbot.waitUntil(lambda: thumbs.pixmap(7, "a.jpg", 40, 40) is not None)
        assert thumbs.pixmap(7, "a.jpg", 40, 40).toImage().pixelColor(5, 5).blue() > 200
        qtbot.waitUntil(lambda: previews.cached("a.jpg") is not None)
        assert previews.cached("a.jpg").pixelColor(5, 5).blue() > 200
    finally:
        gate.set()
        thumbs.shutdown()
        previews.shutdown()


def test_a_rescan_of_a_folder_found_empty_gives_a_notice(qtbot, window, tmp_path, monkeypatch):
    import shutil

    from labeldesk.core.create import create_and_index
    from labeldesk.gui import window_notices

    shown: list[str] = []
    monkeypatch.setattr(window_notices, "show_error", lambda parent, text: shown.append(text))
    root = tmp_path / "imgs"
    for i in range(2):
        write_image(root / "cat" / f"c{i}.jpg", size=(40, 40))
    create_and_index(tmp_path / "proj", root, workers=1)[0].close()
    assert window.open_project(tmp_path / "proj")
    shutil.rmtree(root / "cat")  # as if the drive were not mounted
    job = window.rescan()
    assert job is not None
    qtbot.waitUntil(lambda: not job.running, timeout=20000)
    qtbot.waitUntil(lambda: bool(shown))
    assert shown[0].startswith("No images found") and "where 2 were indexed" in shown[0]


def test_the_model_line_of_a_file_found_edited_is_not_the_old_pictures(qtbot, clustered):
    """The insights are kept by image id, which an edited file keeps: its model line, its
    flag and its suggestion judged the old picture, and must not sit beside the new one."""
    from labeldesk.gui.project_view import ProjectView

    project, flipped = clustered
    view = ProjectView(project)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.catalog.insights is not None, timeout=20000)
    image_id = project.ids_for(flipped[:1])[flipped[0]]
    view.grid.select_row(view.model.row_of_id(image_id))
    assert "label ant looks wrong" in view.detail.fields["Model"].text()
    try:
        write_image(project.root / flipped[0], size=(8, 8), fmt="PNG", seed=9999)  # replaced
        project.scan(workers=1)
        qtbot.waitUntil(lambda: view.fill_job is not None and not view.fill_job.running)
        assert project.ids_for(flipped[:1])[flipped[0]] == image_id
        assert view.detail.fields["Model"].text().startswith("not computed yet")
        assert view.detail.fields["Label fit"].text() == "–"
        position = view.catalog.positions_of([image_id])[0]
        assert not view.catalog.flagged[position] and view.catalog.suggested[position] is None
        assert view.feed.job is not None  # computed again (the new picture is not embedded)
        qtbot.waitUntil(lambda: not view.feed.job.running, timeout=20000)
        assert view.detail.fields["Model"].text().startswith("not computed yet")
    finally:
        view.shutdown()
