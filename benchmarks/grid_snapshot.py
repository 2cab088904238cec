"""Grab the main window on the bundled sample project, as a user would see the grid.

Indexes sample_data/fashion into a temporary project, opens it in MainWindow offscreen,
selects a few tiles (one single, a Shift range) so the highlight shows, waits for the
thumbnails and saves the window to a PNG. Used to compare the grid before and after a
change by eye:

    QT_QPA_PLATFORM=offscreen python benchmarks/grid_snapshot.py /tmp/h1-grid.png [TOP_ROW]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "fashion"


def main(out: Path, top: int = 0) -> None:
    """``top``: the row shown first (0: the unlabeled pool; ~250: labeled images)."""
    from PySide6.QtCore import QEventLoop, QItemSelection, QItemSelectionModel, QSettings

    from labeldesk.core.create import create_and_index
    from labeldesk.gui.app import create_application
    from labeldesk.gui.main_window import MainWindow

    work = Path(tempfile.mkdtemp(prefix="labeldesk-grab-"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(work))
    project, _ = create_and_index(work / "proj", SAMPLE)
    path = project.path
    project.close()
    app = create_application([sys.argv[0]])
    window = MainWindow()
    window.resize(1400, 900)
    window.open_project(path)
    window.show()
    view = window.view
    assert view is not None
    model, grid = view.model, view.grid
    selection = QItemSelection(model.index(top + 9), model.index(top + 12))
    selection.select(model.index(top + 2), model.index(top + 2))
    grid.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    grid.selectionModel().setCurrentIndex(
        model.index(top + 12), QItemSelectionModel.SelectionFlag.NoUpdate
    )
    grid.scrollTo(model.index(top), grid.ScrollHint.PositionAtTop)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        rows = grid.visible_rows()
        if all(model.tile(r).pixmap is not None for r in rows):
            break
    for _ in range(20):
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
    window.grab().save(str(out))
    print(f"saved {out} ({model.rowCount()} rows, visible {grid.visible_rows()})")
    window.close()


if __name__ == "__main__":
    main(
        Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/h1-grid.png"),
        int(sys.argv[2]) if len(sys.argv) > 2 else 0,
    )
