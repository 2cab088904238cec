"""Classes menu: rename, merge and remove classes (each one undoable batch, Ctrl+Z).

The work is one core call (:meth:`Project.rename_class` and friends), written through
:meth:`LabelingController.write` like a key press: a class of more than
:data:`~labeldesk.gui.labeling.BACKGROUND_WRITE` images is relabeled in the background
(12k images took ~1.7 s on the GUI thread), and no edit starts while a big write runs.
Afterwards the images whose labels changed are re-read and the class list and keys are
refreshed when the project publishes the write.

The question "which class?" starts at the class of the current image in the browser,
else at the class picked in the sidebar, else at the first class; and each dialog is
wide enough to show its title (a bare QInputDialog is as narrow as its field, and its
title read "Remo…elDesk").
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QFont, QFontMetrics, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QInputDialog,
    QLabel,
    QLineEdit,
    QStyle,
    QWidget,
)

from labeldesk.core.changes import Changes
from labeldesk.core.display import counted
from labeldesk.core.portable_names import class_name_notes
from labeldesk.gui.image_model import ImageRole
from labeldesk.gui.labeling import LabelingController, ask_yes

TITLE_ROOM = 160  # px of a title bar beside its text: the window icon and the buttons


def fit_title(dialog: QInputDialog) -> None:
    """Make ``dialog`` at least as wide as its title bar needs to show the whole title,
    as the system writes it ("Remove class — LabelDesk", in a bold font on many). Its
    layout sets its minimum size from its contents, so the prompt asks for the width."""
    title = dialog.windowTitle()
    name = QGuiApplication.applicationDisplayName()
    shown = f"{title} — {name}" if name and name != title else title
    font = QFont(dialog.font())
    font.setBold(True)
    width = QFontMetrics(font).horizontalAdvance(shown) + TITLE_ROOM
    style, metric = dialog.style(), QStyle.PixelMetric
    margins = style.pixelMetric(metric.PM_LayoutLeftMargin) + style.pixelMetric(
        metric.PM_LayoutRightMargin
    )
    prompt = dialog.findChild(QLabel)
    if prompt is not None:
        prompt.setMinimumWidth(max(prompt.minimumWidth(), width - margins))


class ClassActions(QObject):
    """The rename / merge / remove actions of one project view's Classes menu."""

    def __init__(
        self,
        labeling: LabelingController,
        parent: QObject | None = None,
        sidebar_class: Callable[[], str | None] | None = None,
    ):
        """``sidebar_class``: the class picked in the sidebar's class list, if any."""
        super().__init__(parent)
        self.labeling = labeling
        self.sidebar_class = sidebar_class
        self.rename_action = QAction("&Rename class…", self)
        self.rename_action.triggered.connect(self.prompt_rename)
        self.merge_action = QAction("&Merge class into another…", self)
        self.merge_action.triggered.connect(self.prompt_merge)
        self.remove_action = QAction("Remo&ve class…", self)
        self.remove_action.triggered.connect(self.prompt_remove)
        self.actions = [self.rename_action, self.merge_action, self.remove_action]

    @property
    def _parent_widget(self) -> QWidget:
        return self.labeling.grid

    def current_class(self) -> str | None:
        """The class to offer first: the current image's in the browser (the current
        tile when it is selected, else the first selected), else the class picked in the
        sidebar; None when neither (the first class is offered)."""
        grid, model = self.labeling.grid, self.labeling.model
        rows = grid.selected_rows()
        if len(rows):
            current = grid.currentIndex().row()
            row = current if current >= 0 and current in rows else int(rows[0])
            label = model.data(model.index(row), ImageRole.Label)
            if isinstance(label, str) and label:
                return label
        return self.sidebar_class() if self.sidebar_class is not None else None

    # -- questions (tests answer them) ----------------------------------------------
    def ask_class(self, title: str, prompt: str, choices: list[str]) -> str | None:
        dialog = self.class_dialog(title, prompt, choices)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        name = dialog.textValue()
        dialog.deleteLater()
        return name if accepted and name else None

    def class_dialog(self, title: str, prompt: str, choices: list[str]) -> QInputDialog:
        """The "which class?" question, at :meth:`current_class` when it is a choice."""
        dialog = QInputDialog(self._parent_widget)
        dialog.setWindowTitle(title)
        dialog.setLabelText(prompt)
        dialog.setComboBoxItems(choices)
        dialog.setComboBoxEditable(False)
        start = self.current_class()
        if start in choices:
            dialog.setTextValue(start)
        fit_title(dialog)
        return dialog

    def ask_text(self, title: str, prompt: str, start: str) -> str | None:
        dialog = QInputDialog(self._parent_widget)
        dialog.setWindowTitle(title)
        dialog.setLabelText(prompt)
        dialog.setInputMode(QInputDialog.InputMode.TextInput)
        dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
        dialog.setTextValue(start)
        fit_title(dialog)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        text = dialog.textValue().strip()
        dialog.deleteLater()
        return text if accepted else None  # "" when OK was pressed on an empty field

    def confirm(self, title: str, text: str) -> bool:
        return ask_yes(self._parent_widget, title, text)

    # -- commands ------------------------------------------------------------------
    def prompt_rename(self) -> None:
        if self.labeling.refused():  # asked first, it would be refused after
            return
        classes = self._classes_or_say("to rename")
        old = classes and self.ask_class("Rename class", "Class to rename:", classes)
        new = self.ask_text("Rename class", f"New name for {old}:", old) if old else None
        if old and new == "":  # said, not silently ignored: the person pressed OK
            self.labeling.error.emit(f"A class name cannot be empty; {old} keeps its name")
        elif old and new and new != old:
            self.rename(old, new)

    def prompt_merge(self) -> None:
        if self.labeling.refused():  # asked first, it would be refused after
            return
        classes = self._classes_or_say("to merge", at_least=2)
        source = classes and self.ask_class(
            "Merge classes", "Move every image of this class…", classes
        )
        if not source:
            return
        others = [c for c in classes if c != source]
        into = self.ask_class("Merge classes", f"…into this class ({source} goes away):", others)
        if into and self.confirm(
            "Merge classes",
            f"Give the {counted(self._count(source), 'image')} of {source} the label {into} "
            f"and remove the class {source}?\n\nEdit → Undo (Ctrl+Z) takes it back.",
        ):
            self.merge(source, into)

    def prompt_remove(self) -> None:
        if self.labeling.refused():  # asked first, it would be refused after
            return
        classes = self._classes_or_say("to remove")
        name = classes and self.ask_class("Remove class", "Class to remove:", classes)
        if name and self.confirm(
            "Remove class",
            f"Remove the class {name}? Its {counted(self._count(name), 'image')} "
            f"{'becomes' if self._count(name) == 1 else 'become'} unlabeled."
            "\n\nEdit → Undo (Ctrl+Z) takes it back.",
        ):
            self.remove(name)

    def rename(self, old: str, new: str) -> bool:
        project = self.labeling.project
        notes = "".join(f". Note: {n}" for n in class_name_notes([new.strip()]))
        return self._run(
            lambda: project.rename_class(old, new),
            old,
            f"Renaming class {old} to {new}",
            f"Renamed {old} to {new}",
            notes,
        )

    def merge(self, source: str, into: str) -> bool:
        project = self.labeling.project
        return self._run(
            lambda: project.merge_classes(source, into),
            source,
            f"Merging class {source} into {into}",
            f"Merged {source} into {into}",
        )

    def remove(self, name: str) -> bool:
        project = self.labeling.project
        return self._run(
            lambda: project.remove_class(name),
            name,
            f"Removing class {name}",
            f"Removed {name}; unlabeled its images",
        )

    # -- plumbing ------------------------------------------------------------------
    def _classes_or_say(self, purpose: str, at_least: int = 1) -> list[str]:
        classes = self.labeling.project.classes()
        if len(classes) < at_least:
            self.labeling.message.emit(f"Not enough classes {purpose}")
            return []
        return classes

    def _count(self, name: str) -> int:
        return self.labeling.project.count_labeled(name)

    def _run(
        self, change: Callable[[], Changes], name: str, title: str, done: str, after: str = ""
    ) -> bool:
        """One class edit of the images labeled ``name``, in the background when they
        are many. False when refused or it failed; True when done or started.
        ``after``: said after the undo hint."""
        size = self._count(name)
        return self.labeling.write(
            change,
            size=size,
            title=f"{title} ({size:,} images)",
            done=lambda _: self.labeling.message.emit(f"{done} (Ctrl+Z undoes it){after}"),
        )
