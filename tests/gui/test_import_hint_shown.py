"""File → Import labels: the Labels field shows its whole hint. At its old width the
placeholder read "a CSV, Parquet, JSON or .tar file, or a folder…": what folder (an
export, class folders) was cut off, at 1280 × 720 and at 1600 × 1000 alike."""

from __future__ import annotations

from PySide6.QtWidgets import QStyle, QStyleOptionFrame

from labeldesk.gui.import_dialog import ImportDialog


def _room_for_text(edit) -> int:
    """The width the line edit draws its text (or placeholder) in."""
    option = QStyleOptionFrame()
    edit.initStyleOption(option)
    rect = edit.style().subElementRect(QStyle.SubElement.SE_LineEditContents, option, edit)
    margins = edit.textMargins()
    return rect.width() - margins.left() - margins.right() - 2 * 2  # Qt's inner margin


def test_the_labels_field_shows_its_whole_hint(qtbot, project):
    dialog = ImportDialog(project)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    hint = dialog.file.placeholderText()
    assert "an export, class folders" in hint
    assert _room_for_text(dialog.file) >= dialog.file.fontMetrics().horizontalAdvance(hint)
    # the form is as wide as its rows need (none squeezed), and still fits a 1280 px screen
    assert dialog.width() >= dialog.layout().totalMinimumSize().width()
    assert dialog.width() <= 1280 - 100
