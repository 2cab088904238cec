"""Run as a script on two offscreen screens side by side, the first at scale 1 and the
second at 2 (QT_SCREEN_SCALE_FACTORS; tests/gui/test_tiles_follow_the_screen.py): shows
the browser on the first, then moves it onto the second, and prints, as one JSON line,
the width (in screen pixels) of a tile's thumbnail on each, and whether a tile loaded on
the first was still handed out after the move; the same of a neighbour tile in the
detail panel. ``sys.argv[1]``: a folder for the project."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from PIL import Image
from PySide6.QtWidgets import QApplication


def wait_for(condition, seconds: float = 60.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        if condition():
            return True
        time.sleep(0.01)
    return False


def main() -> None:
    app = QApplication([])
    from labeldesk.core.create import create_and_index
    from labeldesk.gui.detail_panel import Neighbour
    from labeldesk.gui.project_view import ProjectView

    folder = Path(sys.argv[1])
    images = folder / "images" / "cat"
    images.mkdir(parents=True)
    Image.new("RGB", (600, 450), (40, 120, 200)).save(images / "a.png")
    for n in range(40):  # the last one off screen: no tile of the grid asks for it
        Image.new("RGB", (600, 450), (n, 90, 60)).save(images / f"b{n:02}.png")
    project, _ = create_and_index(folder / "proj", folder / "images", workers=1)
    first, second = app.screens()
    out: dict[str, object] = {"ratios": [first.devicePixelRatio(), second.devicePixelRatio()]}

    view = ProjectView(project)
    view.resize(380, 280)
    view.move(first.geometry().topLeft())
    view.show()
    wait_for(lambda: view.model.catalog is not None and view.model.rowCount() == 41)
    paths = list(view.model.catalog.paths)
    image_id = int(view.model.catalog.ids[paths.index("cat/a.png")])
    far = int(view.model.catalog.ids[paths.index("cat/b39.png")])

    def thumb():
        return view.loader.pixmap(image_id, "cat/a.png", 600, 450)

    wait_for(lambda: thumb() is not None)
    out["first"] = thumb().width()
    # a neighbour tile in the detail panel, of an image whose grid tile is off screen;
    # the panel is not filled again after this (as when nothing else is selected: the
    # rows' first reads and scores, still coming, would show the selection's, none)
    view._update_detail = lambda: None
    view.detail.show_neighbours([Neighbour(far, "cat/b39.png", "cat", 0.9, 600, 450)])
    placeholder = view.detail.neighbours.placeholder.cacheKey()

    def neighbour() -> int | None:
        """The neighbour tile's width in screen pixels (None: blank, not loaded)."""
        item = view.detail.neighbours.item(0)
        if item is None or item.icon().cacheKey() == placeholder:
            return None
        return item.icon().availableSizes()[0].width()

    wait_for(lambda: neighbour() is not None)
    out["neighbour_first"] = neighbour()
    view.move(second.geometry().topLeft())
    wait_for(lambda: view.screen() is second and view.devicePixelRatioF() == 2.0)
    out["moved"] = view.screen() is second
    out["old_kept"] = thumb() is not None and thumb().width() == out["first"]
    out["neighbour_old_kept"] = neighbour() == out["neighbour_first"]
    wait_for(lambda: thumb() is not None and thumb().width() != out["first"], seconds=10)
    out["second"] = thumb().width() if thumb() is not None else None
    wait_for(lambda: neighbour() not in (None, out["neighbour_first"]), seconds=10)
    out["neighbour_second"] = neighbour()
    view.shutdown()
    project.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
