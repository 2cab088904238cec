"""The import form's inputs (File → Import labels…): the file or folder, its format, the
column names, and the boxes that say how to read and apply its rows, laid out in one
:class:`QFormLayout`; what they ask for as :class:`ImportOptions` and as the key a read
depends on. :class:`~labeldesk.gui.import_dialog.ImportDialog` reads the file and
applies the rows."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QStyle,
    QStyleOptionFrame,
    QWidget,
)

from labeldesk.gui.app_words import EMPTY_LABELS_BOX, PREDICTIONS_BOX
from labeldesk.gui.import_report import FORMAT_NAMES
from labeldesk.interop.formats import IMPORTERS, ImportOptions, source_state

DETECT = ""  # the format combo's "detect it" entry


class ImportInputs:
    """The form's input widgets and their layout, ``form`` (the dialog holds it)."""

    def __init__(self, parent: QWidget):
        self.parent = parent  # (the file choosers' parent)
        self.file = QLineEdit()
        self.file.setPlaceholderText(
            "a CSV, Parquet, JSON or .tar file, or a folder (an export, class folders)"
        )
        _fit_placeholder(self.file)  # its end says which folders: it was cut off
        pick_file, pick_folder = QPushButton("File…"), QPushButton("Folder…")
        pick_file.clicked.connect(self._browse_file)
        pick_folder.clicked.connect(self._browse_folder)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file, 1)
        file_row.addWidget(pick_file)
        file_row.addWidget(pick_folder)

        self.format = QComboBox()
        self.format.addItem("Detect from the file", DETECT)
        for name in IMPORTERS.names():
            self.format.addItem(FORMAT_NAMES.get(name, (name,))[0], name)
            self.format.setItemData(
                self.format.count() - 1,
                f"{IMPORTERS[name].description}\n(labeldesk import --format {name})",
                Qt.ItemDataRole.ToolTipRole,
            )
        self.path_column, self.label_column, self.split_column = (
            QLineEdit(),
            QLineEdit(),
            QLineEdit(),
        )
        for edit, usual in (
            (self.path_column, "path, file, image, id…"),
            (self.label_column, "label, class, category…"),
            (self.split_column, "split, subset"),
        ):
            edit.setPlaceholderText(f"found by name ({usual})")
        self.predictions = QCheckBox(PREDICTIONS_BOX)
        self.new_classes = QCheckBox("Allow labels that add classes")
        self.skip_bad = QCheckBox("Skip bad rows (apply the good ones, list the rest)")
        self.skip_bad.setToolTip(
            "An image that a bad row names is left out too, whatever the good rows say of it"
        )
        # shown when a file's labels are all empty (refused), and while ticked
        self.empty_labels = QCheckBox(f"{EMPTY_LABELS_BOX} (unlabel every image the file names)")
        self.empty_labels.setToolTip("labeldesk import --empty-labels")

        form = QFormLayout()
        form.addRow("Labels", file_row)
        form.addRow("Format", self.format)
        form.addRow("Path column", self.path_column)
        form.addRow("Label column", self.label_column)
        form.addRow("Split column", self.split_column)
        form.addRow("Label Studio", self.predictions)
        form.addRow("Rows", self.new_classes)  # (any format: not under Label Studio)
        form.addRow("", self.skip_bad)
        form.addRow("", self.empty_labels)
        form.setRowVisible(self.empty_labels, False)
        self.form = form
        # (connected first: before the dialog's read timer hears of the new file)
        self.file.textChanged.connect(self._file_chosen)

    @property
    def edits(self) -> tuple[QLineEdit, ...]:
        """The typed inputs: a read waits for typing to pause."""
        return (self.file, self.path_column, self.label_column, self.split_column)

    def options(self) -> ImportOptions:
        return ImportOptions(
            path_column=self.path_column.text().strip() or None,
            label_column=self.label_column.text().strip() or None,
            split_column=self.split_column.text().strip() or None,
            predictions=self.predictions.isChecked(),
        )

    def key(self) -> tuple[object, ...]:
        """What a read depends on: rows read under another key belong to another file, or
        to the same file before it was edited (the form lists a file's bad rows; a person
        fixes them in an editor and clicks Import: the fixed file must be read again)."""
        text = self.file.text().strip()
        state = source_state(Path(text).expanduser()) if text else ()
        create = self.new_classes.isChecked()  # the rows are checked against the classes
        empty = self.empty_labels.isChecked()
        return (text, self.format.currentData(), self.options(), state, create, empty)

    def show_empty_labels(self, shown: bool) -> None:
        self.form.setRowVisible(self.empty_labels, shown)

    def _file_chosen(self, _text: str) -> None:
        """Another file: "Apply the empty labels" was said of the last one, not of it."""
        self.empty_labels.blockSignals(True)
        self.empty_labels.setChecked(False)
        self.empty_labels.blockSignals(False)
        self.show_empty_labels(False)

    def _browse_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.parent, "Labels file", self.file.text())
        if path:
            self.file.setText(path)

    def _browse_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(
            self.parent, "Labels folder (an export, class folders, shards)", self.file.text()
        )
        if path:
            self.file.setText(path)


def _fit_placeholder(edit: QLineEdit) -> None:
    """At least as wide as ``edit``'s whole placeholder (the form widens to it)."""
    metrics = edit.fontMetrics()
    margins = edit.textMargins()
    text = QSize(
        metrics.horizontalAdvance(edit.placeholderText())
        + margins.left()
        + margins.right()
        + 2 * 2,  # the line edit's own margin each side
        metrics.height(),
    )
    option = QStyleOptionFrame()
    edit.initStyleOption(option)
    size = edit.style().sizeFromContents(QStyle.ContentsType.CT_LineEdit, option, text, edit)
    edit.setMinimumWidth(size.width())
