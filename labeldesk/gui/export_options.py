"""The export dialog's options: what goes in, which state, and how the files are placed.

The same choices as ``labeldesk export``'s flags: copy or hard-link; leave out excluded,
flagged or unverified images, or add unlabeled ones; a dataset version's state instead of
now, or only what changed since one; a class map; leak-free train/val/test splits made
for the export; the WebDataset shard size.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLayout,
    QLineEdit,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from labeldesk.core.errors import LabelDeskError
from labeldesk.gui.app_words import FLAGGED
from labeldesk.interop.export import ExportOptions, parse_class_map
from labeldesk.ml.splits import parse_ratios

NOW = ""  # the version combo's "the labels now"
LEAVE_OUT_FLAGGED = "Leave out likely mislabels"  # (the option, as the report names it)


class ExportOptionsForm(QWidget):
    changed = Signal()  # any choice that changes what an export writes

    def __init__(
        self,
        version_names: list[str],
        parent: QWidget | None = None,
        *,
        top_rows: Sequence[tuple[str, QWidget | QLayout]] = (),
    ):
        """``top_rows``: the dialog's own (label, field) rows, put first in this form: one
        label column, so every field starts at one left edge (in a form of their own,
        Output folder and Format started 20 px right of the options), and Tab reaches
        them first."""
        super().__init__(parent)
        self.copy = QRadioButton("Copy files")
        self.hardlink = QRadioButton("Hard-link files (no extra space; same drive only)")
        self.symlink = QRadioButton("Symbolic links (needs the image folder where it is)")
        self.hardlink.setToolTip(
            "A hard-linked file is the original image: editing an exported file in place "
            "changes the original too. Copy the files to edit them."
        )
        self.copy.setChecked(True)
        self._link_group = QButtonGroup(self)
        for button in (self.copy, self.hardlink, self.symlink):
            self._link_group.addButton(button)
        # (it said "(flagged issues)", words the app uses nowhere else)
        self.leave_out_flagged = QCheckBox(
            f"{LEAVE_OUT_FLAGGED} (those the browser shows as “{FLAGGED}”)"
        )
        self.leave_out_flagged.setToolTip(
            f"The images the model flags now: the browser's Images → {FLAGGED} list, each "
            "marked with an orange ! (labels you verified are never flagged)"
        )
        self.leave_out_unverified = QCheckBox("Leave out images nobody verified")
        self.include_excluded = QCheckBox("Include excluded images")
        self.include_unlabeled = QCheckBox("Include unlabeled images")

        self.version = QComboBox()
        self.version.addItem("the labels now", NOW)
        self.since = QComboBox()
        self.since.addItem("everything", NOW)
        for name in version_names:
            self.version.addItem(f"version {name}", name)
            self.since.addItem(f"only what changed since {name}", name)
        self.class_map = QLineEdit()
        self.class_map.setPlaceholderText("e.g. kitten=cat, puppy=dog, junk=-  (- drops a class)")
        self.class_map.setToolTip(
            "OLD=NEW pairs separated by commas; - as NEW leaves that class out. "
            "Write \\, or \\= for a comma or = inside a class name."
        )
        self.make_splits = QCheckBox("Make new train/val/test splits")
        self.make_splits.setToolTip(
            "Stratified by class; exact and near copies stay in one split, so nothing "
            "leaks from train into test. The project's own splits are not changed."
        )
        self.split_shares = QLineEdit("80/10/10")
        self.seed = QSpinBox(minimum=0, maximum=2**31 - 1, value=0)
        self.seed.setPrefix("seed ")
        self.shard_size = QSpinBox(minimum=1, maximum=10_000_000, value=10_000)
        self.shard_size.setSuffix(" images per shard")
        self.make_splits.toggled.connect(self._update)

        splits_row = QHBoxLayout()
        for widget in (self.make_splits, self.split_shares, self.seed):
            splits_row.addWidget(widget)
        include = QVBoxLayout()
        for box in (
            self.leave_out_flagged,
            self.leave_out_unverified,
            self.include_excluded,
            self.include_unlabeled,
        ):
            include.addWidget(box)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        for label, field in top_rows:
            form.addRow(label, field)
        form.addRow("Files", self.copy)
        form.addRow("", self.hardlink)
        form.addRow("", self.symlink)
        form.addRow("Include", include)
        form.addRow("State", self.version)
        form.addRow("Images", self.since)
        form.addRow("Class map", self.class_map)
        form.addRow("Splits", splits_row)
        form.addRow("Shards", self.shard_size)
        self._shard_label = form.labelForField(self.shard_size)
        self._update()
        for button in (self.copy, self.hardlink, self.symlink):
            button.toggled.connect(self.changed)
        for box in (
            self.make_splits,
            self.leave_out_flagged,
            self.leave_out_unverified,
            self.include_excluded,
            self.include_unlabeled,
        ):
            box.toggled.connect(self.changed)
        for combo in (self.version, self.since):
            combo.currentIndexChanged.connect(self.changed)
        for edit in (self.class_map, self.split_shares):
            edit.textChanged.connect(self.changed)
        for spin in (self.seed, self.shard_size):
            spin.valueChanged.connect(self.changed)

    def show_for_format(self, fmt: str) -> None:
        """Only WebDataset has shards."""
        self.shard_size.setVisible(fmt == "webdataset")
        if self._shard_label is not None:
            self._shard_label.setVisible(fmt == "webdataset")

    def choose_version(self, name: str) -> None:
        index = self.version.findData(name)
        if index >= 0:
            self.version.setCurrentIndex(index)

    def _update(self) -> None:
        on = self.make_splits.isChecked()
        self.split_shares.setEnabled(on)
        self.seed.setEnabled(on)

    def _remembered(self) -> dict[str, QCheckBox | QLineEdit | QSpinBox]:
        """The choices a person makes once and keeps, by the names settings keep them
        under (not the version: a past state exported again by surprise is worse than
        choosing it again)."""
        return {
            "leave_out_flagged": self.leave_out_flagged,
            "leave_out_unverified": self.leave_out_unverified,
            "include_excluded": self.include_excluded,
            "include_unlabeled": self.include_unlabeled,
            "class_map": self.class_map,
            "make_splits": self.make_splits,
            "split_shares": self.split_shares,
            "seed": self.seed,
            "shard_size": self.shard_size,
        }

    def choices(self) -> dict[str, str]:
        """The form's choices as text, for :meth:`restore` in the next export's form."""
        link = "hardlink" if self.hardlink.isChecked() else "copy"
        values = {"link": "symlink" if self.symlink.isChecked() else link}
        for key, widget in self._remembered().items():
            if isinstance(widget, QCheckBox):
                values[key] = "true" if widget.isChecked() else "false"
            elif isinstance(widget, QLineEdit):
                values[key] = widget.text()
            else:
                values[key] = str(widget.value())
        return values

    def restore(self, values: Mapping[str, str]) -> None:
        """Put back :meth:`choices` kept from an earlier export; a value that cannot be
        read (an edited settings file) leaves its widget as it is."""
        links = {"copy": self.copy, "hardlink": self.hardlink, "symlink": self.symlink}
        button = links.get(values.get("link", ""))
        if button is not None:
            button.setChecked(True)
        for key, widget in self._remembered().items():
            value = values.get(key)
            if value is None:
                continue
            if isinstance(widget, QCheckBox):
                if value in ("true", "false"):
                    widget.setChecked(value == "true")
            elif isinstance(widget, QLineEdit):
                widget.setText(value)
            elif value.isdigit() and widget.minimum() <= int(value) <= widget.maximum():
                widget.setValue(int(value))

    def unreadable_field(self) -> QLineEdit:
        """The field :meth:`options` could not read: the class map, else the shares."""
        try:
            if self.class_map.text().strip():
                parse_class_map(self.class_map.text())
        except LabelDeskError:
            return self.class_map
        return self.split_shares

    def options(self, *, overwrite: bool = False) -> ExportOptions:
        """The options chosen; LabelDeskError for a class map or shares that cannot be read."""
        return ExportOptions(
            link=(
                "hardlink"
                if self.hardlink.isChecked()
                else "symlink"
                if self.symlink.isChecked()
                else "copy"
            ),
            include_excluded=self.include_excluded.isChecked(),
            include_flagged=not self.leave_out_flagged.isChecked(),
            include_unverified=not self.leave_out_unverified.isChecked(),
            include_unlabeled=self.include_unlabeled.isChecked(),
            overwrite=overwrite,
            shard_size=self.shard_size.value(),
            class_map=parse_class_map(self.class_map.text())
            if self.class_map.text().strip()
            else (),
            version=str(self.version.currentData()) or None,
            since=str(self.since.currentData()) or None,
            make_splits=(
                parse_ratios(self.split_shares.text()) if self.make_splits.isChecked() else None
            ),
            seed=self.seed.value(),
        )
