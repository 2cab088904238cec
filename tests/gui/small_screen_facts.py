"""Run as a script on an offscreen screen of 1093 × 614 (a 1366 × 768 laptop at 125 %;
tests/gui/test_small_screen_dialogs.py): opens the dialogs that had a fixed first size
and prints, as one JSON line, the screen's free area and each dialog's frame.
``sys.argv[1]``: a folder for the project."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget


def frame(dialog: QWidget) -> list[int]:
    dialog.show()
    QApplication.processEvents()
    place = dialog.frameGeometry()
    return [place.x(), place.y(), place.width(), place.height()]


def main() -> None:
    app = QApplication([])
    from labeldesk.core.create import create_and_index
    from labeldesk.gui.dialogs import ShortcutsDialog
    from labeldesk.gui.duplicates_dialog import DuplicatesDialog

    folder = Path(sys.argv[1])
    (folder / "images").mkdir(parents=True)
    project, _ = create_and_index(folder / "proj", folder / "images", workers=1)
    room = app.primaryScreen().availableGeometry()
    out = {"screen": [room.x(), room.y(), room.width(), room.height()]}
    out["shortcuts"] = frame(ShortcutsDialog())
    out["duplicates"] = frame(DuplicatesDialog(project, [], write=lambda *_: True))
    project.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
