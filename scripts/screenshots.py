"""Take the README's screenshots from the real app on the sample project.

Run it under a real X server so fonts and styles are what users see::

    xvfb-run -s "-screen 0 1600x1000x24" .venv/bin/python scripts/screenshots.py .demo-project

(`make run` creates and embeds .demo-project; the script trains one classifier head in
it for the training view, and shows the duplicate groups on a scratch copy of the sample
with two planted copies). Images go to docs/images/. Settings are
kept in a temporary folder, so your own window layout and recent projects are untouched.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QWidget

if TYPE_CHECKING:
    from labeldesk.gui.main_window import MainWindow

OUT = Path(__file__).resolve().parent.parent / "docs" / "images"
SAMPLE = Path(__file__).resolve().parent.parent / "sample_data" / "fashion"


def wait(seconds: float, until: Callable[[], bool] | None = None) -> None:
    """Run the event loop for ``seconds``, or until ``until()`` holds (then a short settle)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        if until is not None and until():
            until = None
            end = min(end, time.monotonic() + 1.0)  # let thumbnails and previews land
        time.sleep(0.02)


def save(widget: QWidget, name: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.png"
    widget.grab().save(str(path))
    print(f"wrote {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("project", type=Path)
    args = parser.parse_args()
    settings_dir = tempfile.mkdtemp(prefix="labeldesk-shots-")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings_dir)

    from labeldesk.gui.app import create_application
    from labeldesk.gui.export_dialog import ExportDialog
    from labeldesk.gui.main_window import MainWindow

    app = create_application()
    window = MainWindow()
    window.resize(1440, 900)
    window.show()
    wait(1.0)
    save(window, "start-page")

    assert window.open_project(args.project.resolve())
    view = window.view
    assert view is not None
    wait(120, lambda: view.catalog.insights is not None and not window.runner.active)
    view.sidebar.select_sort("issue")
    view.grid.select_row(0)
    wait(3)
    save(window, "browser")

    window.review_issues()
    wait(60, lambda: not window.runner.active)
    wait(2)
    save(window, "review")

    window.review_queue()
    wait(60, lambda: not window.runner.active)
    wait(2)
    save(window, "queue")

    window.show_statistics()
    wait(60, lambda: not window.runner.active)
    save(window, "statistics")

    window.show_map()
    map_page = window.pages.map
    assert map_page is not None
    wait(180, lambda: not window.runner.active)
    wait(2)
    save(window, "map")

    # A box on the map: the browser shows exactly those images and says so.
    if map_page.data is not None and len(map_page.data.paths):
        from PySide6.QtCore import QRectF

        (x0, y0), (x1, y1) = map_page.data.xy.min(axis=0), map_page.data.xy.max(axis=0)
        w, h = x1 - x0, y1 - y0
        map_page.select_rect(QRectF(x0 + 0.1 * w, y0 + 0.55 * h, 0.3 * w, 0.3 * h))
        view.grid.select_row(0)
        wait(3)
        save(window, "selection")

    window.show_training()
    panel = window.pages.training
    assert panel is not None
    wait(60, lambda: panel.device.text() != "checking…")  # found in a child process
    panel.start_button.click()  # a classifier head: a second or two on the CPU
    wait(120, lambda: panel.job is not None and not panel.job.running)
    wait(60, lambda: not window.runner.active)  # the model insights that follow
    wait(2)
    save(window, "training")

    assert window.project is not None
    dialog = ExportDialog(window.project, window, runner=window.runner)
    dialog.show()
    wait(2)
    save(dialog, "export")
    dialog.close()
    dialog.shutdown()
    duplicates_shot(window)
    window.close()
    app.processEvents()


def duplicates_shot(window: MainWindow) -> None:
    """The groups dialog behind Statistics' duplicate counts. The sample has no duplicates,
    so a scratch copy of it gets two: a train image copied into test (a leak) and one
    copied within train. The sample itself is not touched."""
    from labeldesk.core.create import create_and_index

    scratch = Path(tempfile.mkdtemp(prefix="labeldesk-dups-"))
    images = scratch / "images"
    shutil.copytree(SAMPLE, images)
    coat = sorted((images / "train" / "coat").glob("*.png"))[0]
    shutil.copy(coat, images / "test" / "coat" / f"copy-of-{coat.name}")
    bag = sorted((images / "train" / "bag").glob("*.png"))[0]
    shutil.copy(bag, images / "train" / "bag" / f"again-{bag.name}")
    project, _ = create_and_index(scratch / "project", images)
    project.close()
    assert window.open_project(scratch / "project")
    window.show_statistics()
    stats = window.pages.stats
    assert stats is not None
    wait(60, lambda: stats.duplicate_counts is not None)
    groups = window.pages.show_duplicates("all")
    assert groups is not None and groups.boxes, "no duplicate groups found"
    groups.resize(900, 560)
    wait(10, lambda: all(not t.thumb.pixmap().isNull() for t in groups.tiles()))
    save(groups, "duplicates")
    groups.close()
    window.close_project()
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
