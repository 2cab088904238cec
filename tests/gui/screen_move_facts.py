"""Run as a script on two offscreen screens side by side, the first at scale 1 and the
second at 2 (QT_SCREEN_SCALE_FACTORS; tests/gui/test_tiles_follow_the_screen.py): shows
the browser on the first, then moves it onto the second, and prints, as one JSON line,
the width (in screen pixels) of a tile's thumbnail on each, and whether a tile loaded on
the first was still handed out after the move. ``sys.argv[1]``: a folder for the project."""

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
    from labeldesk.gui.project_view import ProjectView

    folder = Path(sys.argv[1])
    images = folder / "images" / "cat"
    images.mkdir(parents=True)
    Image.new("RGB", (600, 450), (40, 120, 200)).save(images / "a.png")
    project, _ = create_and_index(folder / "proj", folder / "images", workers=1)
    first, second = app.screens()
    out: dict[str, object] = {"ratios": [first.devicePixelRatio(), second.devicePixelRatio()]}

    view = ProjectView(project)
    view.resize(380, 280)
    view.move(first.geometry().topLeft())
    view.show()
    wait_for(lambda: view.model.catalog is not None and view.model.rowCount() == 1)
    image_id = int(view.model.catalog.ids[0])

    def thumb():
        return view.loader.pixmap(image_id, "cat/a.png", 600, 450)

    wait_for(lambda: thumb() is not None)
    out["first"] = thumb().width()
    view.move(second.geometry().topLeft())
    wait_for(lambda: view.screen() is second and view.devicePixelRatioF() == 2.0)
    out["moved"] = view.screen() is second
    out["old_kept"] = thumb() is not None and thumb().width() == out["first"]
    wait_for(lambda: thumb() is not None and thumb().width() != out["first"], seconds=10)
    out["second"] = thumb().width() if thumb() is not None else None
    view.shutdown()
    project.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
