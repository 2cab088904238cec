"""Dataset versions → New version…: one small form for the name and the note (it took
two dialogs in a row). The name is checked when OK is pressed; a name that cannot be
used is said in the form, which stays open with what was typed."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from labeldesk.gui.dialog_height import grow_to_fit
from labeldesk.gui.report_area import ReportArea
from labeldesk.gui.wrapped_message import WrappedMessage

ERROR_STYLE = "color: #d0342c;"


class VersionForm(QDialog):
    """Asks a new version's name and note; ``problem(name)`` says why a name cannot be
    used ("" when it can). ``accepted`` once the name passed."""

    def __init__(self, problem: Callable[[str], str], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("New version")
        self.setMinimumWidth(460)  # room for a name and a note of a few words
        self._problem = problem
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. baseline")
        self.note = QLineEdit()
        self.note.setPlaceholderText("optional")
        # a long name in it breaks rather than being cut at the form's edge
        self.problem = WrappedMessage()
        self.problem.setStyleSheet(ERROR_STYLE)
        self.problem_area = ReportArea(self.problem)  # (hidden while it says nothing)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Name for the labels as they are now:", self.name)
        form.addRow("Note:", self.note)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem_area)
        layout.addWidget(self.buttons)
        self.name.textChanged.connect(self._name_edited)
        self._name_edited("")
        self.name.setFocus()

    def _name_edited(self, text: str) -> None:
        self._say("")  # the error was about the name as it was
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(bool(text.strip()))

    def _say(self, text: str) -> None:
        self.problem_area.set_text(text)
        grow_to_fit(self)  # (its lines were squeezed into the form's height, the last cut)

    def accept(self) -> None:
        name = self.name.text()
        if not name.strip():
            return
        problem = self._problem(name)
        if problem:  # said here, the form open: the name can be changed, the note kept
            self._say(problem)
            self.name.setFocus()
            self.name.selectAll()
            return
        super().accept()
