"""The export dialog's buttons stay where the person's pointer is: the progress bar and
the report ("Wrote 246 images … Left out: 54 unlabeled. … Leakage: …", five lines at
1280 × 720) appeared over them and pushed Export, Cancel and Close down by their height
as the export started and ended."""

from __future__ import annotations

from PySide6.QtCore import QPoint

from gui.test_export_dialog import run_export
from labeldesk.gui.export_dialog import ExportDialog


def _buttons(dialog: ExportDialog) -> list[QPoint]:
    buttons = (dialog.export_button, dialog.cancel_button, dialog.close_button)
    return [b.mapTo(dialog, QPoint(0, 0)) for b in buttons]


def test_the_buttons_hold_still_as_the_report_appears(qtbot, export_dialog, tmp_path):
    dialog = export_dialog
    dialog.folder.setText(str(tmp_path / "out"))
    qtbot.wait(50)
    before = _buttons(dialog)
    run_export(qtbot, dialog)
    qtbot.wait(50)  # the layout request is posted
    assert dialog.message.isVisible() and dialog.message.text().startswith("Wrote ")
    assert _buttons(dialog) == before
    # the report reads under the buttons, overlapping none
    top = dialog.message.mapTo(dialog, QPoint(0, 0)).y()
    assert top >= before[0].y() + dialog.export_button.height()
