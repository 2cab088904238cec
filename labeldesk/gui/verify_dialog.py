"""Dataset versions → Verify an export…: the result in plain words.

The check itself (:func:`labeldesk.interop.export_check.check_export`) runs in the
background; this is the window that says what it found: one headline (✓ the folder is the
version, every file unchanged; or what differs, counted), then the lists, scrollable, with
a button that copies them.
"""

from __future__ import annotations

import shlex

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from labeldesk.core.display import capitalised, counted, shown_path
from labeldesk.core.versions import CURRENT
from labeldesk.gui.wrapped_message import WrappedMessage
from labeldesk.interop.export_check import DamagedManifest, ExportCheck, NotAnExport

DETAIL_ROWS = 1000  # rows of each list shown (the rest: the command that lists them all)
OK_COLOR, PARTLY_COLOR, NOT_COLOR = "#2e7d32", "#b26a00", "#c62828"


def state_words(version: str) -> str:
    return "the labels as they are now" if version == CURRENT else f"version {version}"


def headline(found: ExportCheck) -> tuple[str, str]:
    """(the one sentence to show first, its colour)."""
    state = state_words(found.version)
    if found.complete:
        return (
            f"✓ This folder is {state}: its {counted(found.images, 'image')}, every file "
            "unchanged since it was exported",
            OK_COLOR,
        )
    if found.intact:
        return (
            f"⚠ This folder is {state} as exported, less "
            f"{found.left_out_words(then=' then')}: not the whole version",
            PARTLY_COLOR,
        )
    unsaid = sum(r["listed"] is None for r in found.not_exported)
    # (of an export of the labels of its day: those whose file is newer than the export,
    # added to the image folder or changed since, which it could not hold)
    since = sum(r["listed"] is None and bool(r.get("since_export")) for r in found.not_exported)
    unsaid -= since
    labels = len(found.labels)
    left_out = sum("left_out_by" in r for r in found.not_in_version)
    # (the options' contradiction is one line of found.manifest, counted just above)
    other_contradictions = len(found.manifest) > (1 if left_out else 0)
    now = found.version == CURRENT  # (compared with the project now: no version)
    theirs = "the project's now" if now else "the version's"
    lacks = "the project does not have now" if now else "the version does not have"
    missing = " of the project now not in it" if now else " of the version missing"

    differs = [
        counted(len(found.files), "file") + " changed since it was exported" if found.files else "",
        counted(labels, "label, split or status", "labels, splits or statuses")
        + (" differs" if labels == 1 else " differ")
        + f" from {theirs}"
        if labels
        else "",
        counted(len(found.not_in_version) - left_out, "image") + f" that {lacks}"
        if len(found.not_in_version) > left_out
        else "",
        counted(left_out, "image") + " that its recorded options leave out" if left_out else "",
        counted(since, "image") + " added to the image folder or changed since it was exported"
        if since
        else "",
        counted(unsaid, "image") + missing if unsaid else "",
        "written from another label state" if found.state else "",
        "its manifest does not match its files" if other_contradictions else "",
    ]
    said = "; ".join(d for d in differs if d)
    return f"✗ This folder is not {state} as exported: {said}", NOT_COLOR


def advice(found: ExportCheck) -> str:
    """What to do where the folder is not what was exported ("" where it is, or is the
    version less what its options left out): the headline said what differs, not how to
    get the version back."""
    if found.intact:
        return ""
    if found.version == CURRENT:
        return (
            "To have an export of the labels as they are now, export again into a new "
            "folder (File → Export dataset…)."
        )
    return (
        f"To have version {found.version} exactly as it was, select it in the list, press "
        "Export this version… and export it into a new folder."
    )


def details(found: ExportCheck, project_path: str) -> str:
    """Every list of the check (up to :data:`DETAIL_ROWS` rows each), in the command
    line's words but for the hint to its --json: here, the whole command. "" where the
    headline says it all (the whole version, no options or notes to add)."""
    if found.complete and not (found.options or found.notes):
        return ""
    text = found.to_text(limit=DETAIL_ROWS)
    more = "(--json lists all)"
    if more in text:
        command = ["labeldesk", "version", project_path, "verify", found.version, found.out]
        text = text.replace(more, f"(all of them: {shlex.join(command)} --json)")
    return text


def not_an_export(exc: NotAnExport) -> tuple[str, str]:
    """(headline, details) for a folder with no export manifest to check against."""
    if isinstance(exc, DamagedManifest):
        head = "✗ This export's record of its files cannot be read"
    else:
        head = "✗ This folder is not a LabelDesk export"
    advice = (
        "Choose the folder that Export wrote: it holds labeldesk-export.json, the record "
        "of every file the export wrote."
    )
    return head, f"{capitalised(str(exc))}.\n\n{advice}"


class VerifyDialog(QDialog):
    """What Verify an export… found in one folder (not modal: the app stays usable)."""

    def __init__(
        self,
        parent: QWidget | None,
        folder: str,
        head: str,
        color: str,
        text: str,
        advice: str = "",
    ):
        super().__init__(parent)
        self.setWindowTitle("Verify an export")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        # (wrapped messages: a folder name longer than the window made it wider than
        # the screen can be, as a QLabel does not break a word)
        self.headline = WrappedMessage()
        self.headline.setText(head)
        self.headline.setStyleSheet(f"font-weight: bold; color: {color};")
        self.folder = WrappedMessage()
        self.folder.setText(f"Folder: {shown_path(folder)}")
        self.advice = WrappedMessage()  # what to do, under what differs
        self.advice.setText(advice)
        self.advice.setVisible(bool(advice))
        self.details = QPlainTextEdit(text)
        self.details.setAccessibleName("What the check found")
        self.details.setReadOnly(True)
        # the lists: one row a line, scrolled sideways; a message: wrapped
        lists = "\n  " in text
        if lists:
            self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.details.setVisible(bool(text))
        self.copy_button = QPushButton("Copy details" if text else "Copy")
        self.copy_button.setToolTip("Copy the result and every list above, to paste elsewhere")
        self.copy_button.clicked.connect(self.copy)
        close = QPushButton("Close")
        close.setDefault(True)
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(self.folder)
        layout.addWidget(self.advice)
        layout.addWidget(self.details, 1)
        layout.addLayout(buttons)
        self.resize(760, 420 if text else 120)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.copied_text())

    def copied_text(self) -> str:
        said = f"{self.headline.text()}\n{self.folder.text()}"
        if self.advice.text():
            said += f"\n{self.advice.text()}"
        more = self.details.toPlainText()
        return f"{said}\n\n{more}" if more else said
