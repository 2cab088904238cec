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
    print(json.dumps(out))


if __name__ == "__main__":
    main()
