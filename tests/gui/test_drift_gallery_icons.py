"""The drift gallery lists the novel images at once and decodes their icons off the GUI
thread, small: camera photos decoded whole on the GUI thread froze the window."""

from __future__ import annotations

import threading

from helpers import write_image
from PIL import Image

from labeldesk.gui import drift_page
from labeldesk.gui.drift_page import ICON, DriftPage
from labeldesk.gui.session import ProjectSession


def test_icons_are_decoded_in_the_background_at_icon_size(qtbot, project, tmp_path, monkeypatch):
    folder = tmp_path / "new"
    write_image(folder / "wide.jpg", size=(300, 200), seed=1)
    write_image(folder / "tall.png", size=(100, 400), fmt="PNG", seed=2)
    (folder / "broken.jpg").write_bytes(b"not an image")
    # EXIF orientation 6 (rotate 90°): a 200x100 file shows as 100x200.
    exif = Image.Exif()
    exif[0x0112] = 6
    write_image(folder / "turned.jpg", size=(200, 100), seed=3, exif=exif)
    decoded_on: set[int] = set()
    real = drift_page.load_icon

    def recording(request, **kwargs):
        decoded_on.add(threading.get_ident())
        return real(request, **kwargs)

    monkeypatch.setattr(drift_page, "load_icon", recording)
    session = ProjectSession(project)
    page = DriftPage(session)
    qtbot.addWidget(page)
    page.folder = folder
    names = ["wide.jpg", "tall.png", "broken.jpg", "turned.jpg"]
    page._fill_gallery([{"path": n, "score": 0.5, "predicted": None} for n in names])
    assert page.shown() == names  # listed at once, in order
    placeholder = page.gallery.item(0).icon().cacheKey()
    assert all(page.gallery.item(r).icon().cacheKey() == placeholder for r in range(4))

    def size(row):
        """The picture's size inside its square tile (None: still the placeholder)."""
        icon = page.gallery.item(row).icon()
        if icon.cacheKey() == placeholder:
            return None
        tile = icon.pixmap(ICON).toImage()
        assert tile.size().toTuple() == (ICON, ICON)  # every tile keeps its size
        opaque = [(x, y) for x in range(ICON) for y in range(ICON) if tile.pixelColor(x, y).alpha()]
        xs, ys = {x for x, _ in opaque}, {y for _, y in opaque}
        return (max(xs) - min(xs) + 1, max(ys) - min(ys) + 1)

    qtbot.waitUntil(lambda: None not in (size(0), size(1), size(3)), timeout=10000)
    qtbot.waitUntil(lambda: page.icons.failed(2), timeout=10000)
    assert (size(0), size(1), size(3)) == ((ICON, 64), (24, ICON), (48, ICON))
    assert page.gallery.item(2).icon().cacheKey() == page._unreadable.cacheKey()
    assert decoded_on and threading.get_ident() not in decoded_on
    page.shutdown()
    session.close()


def test_a_small_image_fills_its_tile(tmp_path):
    """A 28-px image was drawn at 28 px in a 96-px tile."""
    from PIL import Image

    from labeldesk.gui import drift_page
    from labeldesk.gui.thumbnails import ThumbRequest

    path = tmp_path / "small.png"
    Image.new("L", (28, 14), 255).save(path)
    icon = drift_page.load_icon(ThumbRequest(0, str(path), 0, 0))
    opaque = [
        (x, y)
        for x in range(icon.width())
        for y in range(icon.height())
        if icon.pixelColor(x, y).alpha() == 255
    ]
    xs, ys = [x for x, _ in opaque], [y for _, y in opaque]
    assert (max(xs) - min(xs) + 1, max(ys) - min(ys) + 1) == (96, 48)
