"""Run as a script under QT_SCALE_FACTOR=2 (tests/gui/test_hidpi_pixmaps.py): shows the
widgets that draw images and prints, as one JSON line, each pixmap's device pixel ratio
and its size in screen pixels. (The ratio is fixed when the QApplication starts: the
test process's own application is at 1.)"""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPixmap
from PySide6.QtWidgets import QApplication


def checker(side: int) -> QImage:
    """A ``side`` × ``side`` image of one-pixel black and white squares."""
    image = QImage(side, side, QImage.Format.Format_RGB32)
    for y in range(side):
        for x in range(side):
            image.setPixelColor(x, y, QColor("white" if (x + y) % 2 else "black"))
    return image


def facts(pixmap: QPixmap) -> dict[str, float | int]:
    return {"ratio": pixmap.devicePixelRatio(), "width": pixmap.width()}


def main() -> None:
    app = QApplication([])
    from labeldesk.browse.duplicate_groups import Group, Member
    from labeldesk.gui.duplicates_dialog import _MemberTile
    from labeldesk.gui.image_display import ImageLabel
    from labeldesk.gui.neighbour_strip import NeighbourStrip

    out: dict[str, object] = {"screen": app.primaryScreen().devicePixelRatio()}
    label = ImageLabel()
    label.resize(300, 300)
    label.show()
    app.processEvents()
    photo = QImage(1200, 900, QImage.Format.Format_RGB32)
    photo.fill(Qt.GlobalColor.darkCyan)
    label.set_image(photo)
    out["review_photo"] = facts(label.pixmap())
    label.set_image(checker(28))
    out["review_tiny"] = facts(label.pixmap())

    strip = NeighbourStrip(count=2)
    strip.show()
    strip.show_neighbours([("a.png", "bag", checker(28), 0.9)])
    out["neighbour"] = facts(strip.tiles[0][0].pixmap())

    member = Member("a.png", 1, "bag", "train", None)
    tile = _MemberTile(member, Group(1, "exact", 1.0, [member]), None)  # type: ignore[arg-type]
    tile.show()
    tile.set_pixmap(QPixmap.fromImage(checker(28)))
    out["duplicate"] = facts(tile.thumb.pixmap())
    out.update(large_previews())
    print(json.dumps(out))


def large_previews() -> dict[str, object]:
    """Enter in the browser: the large image of a photo and of a 28-px image, as the
    detail panel decodes them: their pixels' width, and the screen pixels per image
    pixel they are drawn at."""
    import tempfile
    import time
    from pathlib import Path

    from PIL import Image

    from labeldesk.browse.catalog import ImageCatalog
    from labeldesk.core.create import create_and_index
    from labeldesk.gui.detail_panel import DetailPanel

    out: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as folder:
        images = Path(folder) / "images" / "cat"
        images.mkdir(parents=True)
        Image.new("RGB", (3000, 2250), (40, 120, 200)).save(images / "photo.png")
        Image.new("RGB", (28, 28), (200, 40, 40)).save(images / "tiny.png")
        project, _ = create_and_index(Path(folder) / "proj", images.parent, workers=1)
        catalog = ImageCatalog.load(project)
        ids = {str(p): int(i) for p, i in zip(catalog.paths, catalog.ids, strict=True)}
        panel = DetailPanel(project)
        panel.resize(330, 600)
        panel.show()
        for name in ("photo", "tiny"):
            path = f"cat/{name}.png"
            panel.show_large(path, "cat", ids[path], QImage())
            end = time.monotonic() + 60
            while time.monotonic() < end and not (panel.large and panel.large.picture.has_image()):
                QApplication.processEvents()
                time.sleep(0.01)
            picture = panel.large.picture
            shown = picture._pixmap
            out[f"large_{name}"] = {
                "width": shown.width() if shown is not None else 0,
                "screen_per_image": round(picture.scale() * picture.devicePixelRatioF(), 3),
            }
            panel.large.close()
            QApplication.processEvents()
        panel.shutdown()
        project.close()
    return out


if __name__ == "__main__":
    main()
