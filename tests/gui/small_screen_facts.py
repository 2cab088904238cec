"""Run as a script on an offscreen screen of 1093 × 614 (a 1366 × 768 laptop at 125 %;
tests/gui/test_small_screen_dialogs.py): opens the dialogs that had a fixed first size
and prints, as one JSON line, the screen's free area and each dialog's frame; and the
dialogs whose report grows them (Export, Import labels, New version, the New project
form, Embed on a Ray cluster) with a report of
80 lines, then a short one: their frames, their buttons' bottoms and whether the report
scrolls.
``sys.argv[1]``: a folder for the project."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget

LONG_REPORT = "\n".join(f"Left out: images/class_{i}/a_long_file_name_{i}.png" for i in range(80))
SHORT_REPORT = "Wrote 3 images to out."


def frame(dialog: QWidget) -> list[int]:
    dialog.show()
    QApplication.processEvents()
    place = dialog.frameGeometry()
    return [place.x(), place.y(), place.width(), place.height()]


def bottom(button: QAbstractButton) -> int:
    return button.mapToGlobal(button.rect().bottomLeft()).y()


def with_reports(dialog: QWidget, say, button: QAbstractButton) -> dict[str, object]:
    """``dialog``'s frame with a long report said by ``say``, then a short one."""
    dialog.show()
    QApplication.processEvents()
    first = dialog.height()
    say(LONG_REPORT)
    QApplication.processEvents()
    names = ("report_area", "problem_area", "note_area")
    area = next((getattr(dialog, name) for name in names if hasattr(dialog, name)), None)
    out: dict[str, object] = {
        "long": frame(dialog),
        "button_bottom": bottom(button),
        "scrolls": area is not None and area.verticalScrollBar().maximum() > 0,
    }
    say(SHORT_REPORT)
    QApplication.processEvents()
    out["short_height"], out["first_height"] = dialog.height(), first
    out["short_hint"] = dialog.sizeHint().height()
    dialog.close()
    return out


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
    from labeldesk.gui.export_dialog import ExportDialog
    from labeldesk.gui.import_dialog import ImportDialog
    from labeldesk.gui.version_form import VersionForm

    export = ExportDialog(project)
    out["export"] = with_reports(export, export._show_message, export.close_button)
    export.shutdown()
    labels = ImportDialog(project)
    out["import"] = with_reports(labels, labels._say, labels.close_button)
    labels.shutdown()
    form = VersionForm(lambda name: "")
    out["version"] = with_reports(form, form._say, form.buttons.buttons()[0])
    from labeldesk.gui.cluster_dialog import ClusterDialog
    from labeldesk.gui.dialogs import NewProjectDialog

    new = NewProjectDialog()
    out["new_project"] = with_reports(
        new, lambda text: new._show_note(text, warning=True), new.buttons.buttons()[0]
    )
    cluster = ClusterDialog()
    out["cluster"] = with_reports(cluster, cluster._say, cluster.save_button)
    project.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
