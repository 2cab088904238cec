"""Import labels: the options for every format are not listed under "Label Studio"
(they were, in the rows below its heading, which made them look Label Studio's own)."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QWidget

from labeldesk.gui.import_dialog import ImportDialog


def heading_over(form: QFormLayout, field: QWidget) -> str:
    """The row heading a person reads for ``field``: its own, or the nearest above."""
    row, _ = form.getWidgetPosition(field)
    for r in range(row, -1, -1):
        item = form.itemAt(r, QFormLayout.ItemRole.LabelRole)
        label = item.widget() if item is not None else None
        if isinstance(label, QLabel) and label.text():
            return label.text()
    return ""


def test_options_for_every_format_have_their_own_heading(qtbot, project):
    dialog = ImportDialog(project)
    qtbot.addWidget(dialog)
    form = dialog.findChild(QFormLayout)
    assert form is not None
    assert heading_over(form, dialog.predictions) == "Label Studio"
    for option in (dialog.new_classes, dialog.skip_bad):
        assert heading_over(form, option) not in ("", "Label Studio")
    dialog.shutdown()
