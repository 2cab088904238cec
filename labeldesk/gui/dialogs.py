"""Small dialogs: new-project form, keyboard shortcuts, about, one-line error notices."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from labeldesk import __version__
from labeldesk.core.create import project_inside_images
from labeldesk.core.db import DB_FILENAME
from labeldesk.core.display import capitalised
from labeldesk.core.given_folders import project_folder_problem
from labeldesk.core.layout_check import LayoutWarning, check_layout
from labeldesk.core.layout_preview import LayoutPreview, preview_layout
from labeldesk.core.progress import CancelToken
from labeldesk.gui.dialog_height import grow_to_fit, within_screen
from labeldesk.gui.hotkeys import HotkeysEditor, default_keys
from labeldesk.gui.report_area import ReportArea
from labeldesk.gui.shortcuts import shortcut_table
from labeldesk.gui.workers import Job
from labeldesk.gui.wrapped_message import WrappedMessage, breakable

SUGGESTED_NAME_PX = 300  # the most of "Use the folder … inside instead" a name may take
PREVIEW_DELAY_MS = 300  # wait for typing to pause before listing a folder


def show_in_front(window: QWidget) -> None:
    """Show a window that is not modal (a result, a list to work through) in front and
    with the keyboard, so that Esc closes it and Tab moves in it at once. A modal
    dialog is given the keyboard by Qt; this one was only where a window manager gives
    new windows focus: without one (Xvfb, some remote desktops) Esc went to the window
    under the pointer and Verify an export…'s result stayed open."""
    window.show()
    window.raise_()
    window.activateWindow()


def show_error(
    parent: QWidget | None,
    message: str,
    title: str = "LabelDesk",
    fix: tuple[str, Callable[[], object]] | None = None,
) -> QMessageBox:
    """One readable notice, window-modal but non-blocking (never a traceback); ``fix``:
    a button that does what the message asks ("Rescan folder", its command), the
    default one, beside Close."""
    # Beside a fix, the standard Close button (its own icon where the style shows one: an
    # OK button renamed "Close" kept the OK button's check mark)
    plain = QMessageBox.StandardButton.Ok if fix is None else QMessageBox.StandardButton.Close
    # a folder name longer than the notice may be wide (1,000 px) breaks rather than
    # being cut at its edge (the rest of the path and the sentence after it unseen)
    box = QMessageBox(QMessageBox.Icon.Warning, title, breakable(message), plain, parent)
    box.setObjectName("errorNotice")
    if fix is not None:
        words, command = fix
        button = box.addButton(words, QMessageBox.ButtonRole.AcceptRole)
        button.clicked.connect(lambda: command())
        box.setDefaultButton(button)
    box.open()
    return box


def show_about(parent: QWidget | None) -> None:
    QMessageBox.about(
        parent,
        "About LabelDesk",
        f"<b>LabelDesk {__version__}</b><p>Find likely mislabels, fix them with one key, "
        "label what matters next and export a curated dataset: locally, offline.</p>"
        "<p>Licensed under the Apache License 2.0.</p>",
    )


class ShortcutsDialog(QDialog):
    """Every key (first tab) and, given the window's command actions, a tab to change
    the commands' keys."""

    def __init__(self, parent: QWidget | None = None, actions: Sequence[QAction] = ()):
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        rows = shortcut_table()
        self.table = QTableWidget(len(rows), 2)
        self.table.setHorizontalHeaderLabels(["Keys", "Action"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)  # Tab goes on to the tabs and Close
        for r, (keys, action) in enumerate(rows):
            self.table.setItem(r, 0, QTableWidgetItem(keys))
            self.table.setItem(r, 1, QTableWidgetItem(action))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.table, "All keys")
        self.editor: HotkeysEditor | None = None
        # the list's rows that name a command's default key: they name its keys now
        self._commands = {_native(ks[0]): a for a in actions if (ks := default_keys(a))}
        self._defaults = [listed for listed, _ in rows]
        self._list_keys()
        if actions:
            self.editor = HotkeysEditor(actions)
            self.tabs.addTab(self.editor, "Change command keys")
            self.tabs.currentChanged.connect(lambda _: self._list_keys())
            self.tabs.currentChanged.connect(self._focus_page)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(buttons)
        self.resize(within_screen(self, 640, 620))  # the list scrolls
        self.table.setFocus()  # opens on the list (the tab bar showed no focus until a key)

    def _focus_page(self, index: int) -> None:
        """The page shown takes the focus: its list, not its first button."""
        page = self.tabs.widget(index)
        if page is not None:
            page.setFocus()

    def _list_keys(self) -> None:
        """A command's row names the keys it has now: one changed on the second tab (or
        in an earlier session) is not listed under its default key."""
        for row, default in enumerate(self._defaults):
            action = self._commands.get(default)
            if action is None:
                continue
            now = action.shortcuts()
            if [k.toString() for k in now] == [k.toString() for k in default_keys(action)]:
                keys = default  # each key's main form ("Ctrl+F", not also "Find")
            else:
                keys = ", ".join(_native(k) for k in now) or "no key"
            item = self.table.item(row, 0)
            if item is not None and item.text() != keys:
                item.setText(keys)


def _native(key: QKeySequence) -> str:
    return key.toString(QKeySequence.SequenceFormat.NativeText)


class NewProjectDialog(QDialog):
    """Asks for the image folder and a new (empty) project folder.

    ``images`` pre-fills the image folder (and a project folder beside it), e.g. for a
    folder dropped on the start page. A folder whose layout looks one level off (one class
    holding ``train/``, ``test/``, …) gets a warning before anything is indexed, with a
    button that switches to the folder that was probably meant.
    """

    def __init__(self, parent: QWidget | None = None, images: Path | None = None):
        super().__init__(parent)
        self.setWindowTitle("New project from folder")
        self.images_edit = QLineEdit()
        self.project_edit = QLineEdit()
        self.images_edit.setPlaceholderText("Folder with your images")
        self.project_edit.setPlaceholderText("New empty folder for the project database")
        form = QFormLayout()
        form.addRow("Image folder:", self._with_browse(self.images_edit, self._browse_images))
        form.addRow("Project folder:", self._with_browse(self.project_edit, self._browse_project))
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        # (wrapped messages: a QLabel does not break a long folder name, and the form grew
        # wider than the screen, Create and Cancel off it, for a long path in a warning)
        self.note = WrappedMessage()
        self.note.setObjectName("newProjectNote")
        self.use_suggested = QPushButton()
        self.use_suggested.setVisible(False)
        self.use_suggested.clicked.connect(self._use_suggested)
        self._suggested: Path | None = None
        self._suggested_project: str | None = None  # the project folder filled in for us
        # What the folder holds (classes, splits, unlabeled), counted off the GUI thread.
        self.found = WrappedMessage()
        self.found.setObjectName("newProjectFound")
        # each in a scroll area: the form grows for them up to the screen's height, the
        # rest scrolls (many warnings with long paths ran off a 1366 x 768 screen)
        self.found_area, self.note_area = ReportArea(self.found), ReportArea(self.note)
        self.preview: LayoutPreview | None = None
        self.preview_job: Job | None = None
        self.check_job: Job | None = None
        self._preview_folder: Path | None = None
        self._preview_timer = QTimer(self, singleShot=True, interval=PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self._start_preview)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.found_area)
        layout.addWidget(self.note_area)
        layout.addWidget(self.use_suggested, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.buttons)
        self.images_edit.textChanged.connect(self._images_edited)
        self.images_edit.textChanged.connect(self._validate)
        self.project_edit.textChanged.connect(self._validate)
        self.layout_warnings: list[LayoutWarning] = []
        if images is not None:
            self.set_images(images)
        self._validate()
        self.resize(within_screen(self, 560, self.sizeHint().height()))

    @classmethod
    def prompt(
        cls,
        parent: QWidget | None,
        create: Callable[[Path, Path], object],
        images: Path | None = None,
    ) -> bool:
        """Show the form; on Create call ``create(images, project)``. False if cancelled."""
        dialog = cls(parent, images=images)
        try:
            if not dialog.exec():
                return False
            create(*dialog.paths())
            return True
        finally:
            dialog.deleteLater()

    @staticmethod
    def _with_browse(edit: QLineEdit, browse: object) -> QWidget:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(edit, 1)
        button = QPushButton("Browse…")
        button.clicked.connect(browse)
        layout.addWidget(button)
        return row

    def _browse_images(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Image folder", self.images_edit.text())
        if folder:
            self.set_images(Path(folder))

    def set_images(self, folder: Path) -> None:
        """Use ``folder`` for the images; suggest a project folder beside it if none yet.
        A folder chosen whole (Browse, a drop, the suggestion) is looked at at once."""
        self.images_edit.setText(str(folder))
        self._start_preview()

    def _suggest_project(self, folder: Path) -> None:
        """Fill in a project folder beside the image folder ("fashion-labeldesk"), unless
        the person chose one: typed or pasted folders get one too, not only Browse's, and
        it follows the image folder while it is still the suggestion."""
        current = self.project_edit.text()
        if folder.name and (not current or current == self._suggested_project):
            self._suggested_project = str(folder.parent / f"{folder.name}-labeldesk")
            self.project_edit.setText(self._suggested_project)

    def _browse_project(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Project folder (new or empty)", self.project_edit.text()
        )
        if folder:
            self.project_edit.setText(folder)

    def problem(self) -> str | None:
        """Why the form cannot be accepted yet, or None."""
        images, project = self.images_edit.text().strip(), self.project_edit.text().strip()
        if not images or not Path(images).is_dir():
            return "Choose an existing image folder"
        in_project = project_folder_problem(images)
        if in_project is not None:
            return capitalised(in_project)
        if not project:
            return "Choose a folder for the project"
        target = Path(project)
        if (target / DB_FILENAME).is_file():
            return (
                "That folder holds a LabelDesk project already: open it with File → Open "
                "project… (Ctrl+O), or choose a new folder for a new project"
            )
        if target.exists() and (not target.is_dir() or any(target.iterdir())):
            return "The project folder must be new or empty"
        return None

    def inside_warning(self) -> str | None:
        """The warning ``labeldesk new`` gives for a project folder inside the image
        folder (Create stays allowed: scans leave the project out)."""
        images, project = self.images_edit.text().strip(), self.project_edit.text().strip()
        return project_inside_images(project, images) if images and project else None

    def _validate(self) -> None:
        problem = self.problem()
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(problem is None)
        ok.setToolTip(problem or "")
        messages = [w.message for w in self.layout_warnings]
        inside = self.inside_warning()
        if inside is not None:
            messages.append(capitalised(inside))
        warnings = "\n".join(f"⚠ {text}" for text in messages)
        if warnings:
            self._show_note(warnings, warning=True)
        elif problem is not None and self.images_edit.text().strip():
            self._show_note(problem, warning=False)
        else:
            self._show_note("", warning=False)

    def _images_edited(self) -> None:
        """Forget what was found for the old folder; look at the new one once typing pauses."""
        self._show_layout_warnings([])
        self._preview_timer.start()

    def _show_layout_warnings(self, warnings: list[LayoutWarning]) -> None:
        self.layout_warnings = warnings
        self._suggested = next((w.suggested_root for w in warnings if w.suggested_root), None)
        self.use_suggested.setVisible(self._suggested is not None)
        if self._suggested is not None:  # its name (the whole path made the button, and
            # the form, as wide as the path; the warning above names it whole)
            name = self.fontMetrics().elidedText(
                self._suggested.name, Qt.TextElideMode.ElideMiddle, SUGGESTED_NAME_PX
            )
            self.use_suggested.setText(f"Use the folder {name} inside instead")
            self.use_suggested.setToolTip(f"Index {self._suggested}")
        self._validate()  # fits the height to the button shown or gone

    def _start_layout_check(self, folder: Path) -> None:
        """Warn (before indexing) about a folder that looks one level off. Off the GUI
        thread: it lists the top folders and every class folder, which takes seconds for
        a flat folder of a million images."""
        if self.check_job is not None:
            self.check_job.cancel()

        def check(*, progress: object, cancel: CancelToken) -> list[LayoutWarning]:
            return check_layout(folder, cancel=cancel)

        job = Job(check, "Layout check")
        job.finished.connect(self._layout_checked)  # a bound slot: see _start_preview
        self.check_job = job.start()

    def _layout_checked(self, warnings: list[LayoutWarning]) -> None:
        current = Path(self.images_edit.text().strip()) == self._preview_folder
        if self.sender() is self.check_job and self.check_job is not None and current:
            self._show_layout_warnings(warnings)

    def _start_preview(self) -> None:
        """Check the layout, and count the folder's images by class and split, in the
        background."""
        self._preview_timer.stop()
        for job in (self.preview_job, self.check_job):
            if job is not None:
                job.cancel()
        self.preview_job = self.check_job = None
        typed = self.images_edit.text().strip()
        folder = Path(typed)
        self.preview = None
        self._preview_folder = folder
        if not typed or not folder.is_dir():  # Path("") is the working folder
            self._show_found("")
            return
        self._suggest_project(folder)
        self._start_layout_check(folder)
        self._show_found("Looking at the folder…")

        def count(*, progress: object, cancel: CancelToken) -> LayoutPreview:
            return preview_layout(folder, cancel=cancel)

        job = Job(count, "Folder preview")
        # Bound slots, not lambdas: Qt drops them if the form is deleted before the
        # count ends (a form closed while a large folder is still being listed).
        job.finished.connect(self._preview_finished)
        job.failed.connect(self._preview_failed)
        self.preview_job = job.start()

    def _preview_finished(self, result: LayoutPreview) -> None:
        if self._preview_current():
            self.preview = result
            self._show_found("\n".join(result.summary()))

    def _preview_failed(self, exc: BaseException) -> None:
        if self._preview_current() and self.preview_job is not None:
            self._show_found(f"Cannot list it: {self.preview_job.describe(exc)!s}")

    def _preview_current(self) -> bool:
        """Whether the job that just ended is ours and its folder is still the chosen one."""
        return (
            self.sender() is self.preview_job
            and Path(self.images_edit.text().strip()) == self._preview_folder
        )

    def done(self, result: int) -> None:
        self._preview_timer.stop()
        for job in (self.preview_job, self.check_job):
            if job is not None:
                job.cancel()
        self.preview_job = self.check_job = None  # a late result finds no job: it is ignored
        super().done(result)

    def _use_suggested(self) -> None:
        if self._suggested is not None:
            self.set_images(self._suggested)  # a filled-in project folder follows it

    def _show_note(self, text: str, *, warning: bool) -> None:
        self.note.setStyleSheet("color: #b35c00;" if warning else "")
        self.note_area.set_text(text)
        grow_to_fit(self)  # every wrapped line, up to the screen; none left as a gap

    def _show_found(self, text: str) -> None:
        self.found_area.set_text(text)
        grow_to_fit(self)

    def paths(self) -> tuple[Path, Path]:
        return Path(self.images_edit.text().strip()), Path(self.project_edit.text().strip())
