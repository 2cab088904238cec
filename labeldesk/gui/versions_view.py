"""View → Dataset versions: named states of the labels, what changed between two of
them, and exporting any of them exactly as it was.

A version records the label state (labels, statuses, splits) and which images existed;
training records one automatically, so "the data model 3 was trained on" is a row here.
Comparing runs in the background (it rebuilds both states from the label events), and so
does Verify an export… (it reads every file of the folder back against the version).
"""

from __future__ import annotations

import datetime as dt
import shlex
import unicodedata
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from labeldesk.core import versions
from labeldesk.core.display import capitalised
from labeldesk.core.errors import LabelDeskError
from labeldesk.core.progress import CancelToken, ProgressCallback
from labeldesk.core.project import Project
from labeldesk.core.version_diff import VersionDiff, diff_head
from labeldesk.core.version_files import StaleFiles, stale_files
from labeldesk.core.versions import CURRENT
from labeldesk.gui import settings
from labeldesk.gui.app_words import READ_ONLY_TIP
from labeldesk.gui.dialogs import show_in_front
from labeldesk.gui.full_disk import said as with_its_disk
from labeldesk.gui.verify_dialog import (
    NOT_COLOR,
    VerifyDialog,
    advice,
    details,
    headline,
    not_an_export,
)
from labeldesk.gui.version_form import VersionForm
from labeldesk.gui.workers import Job, JobRunner

NOW = ""  # the "compare with" entry for the state now
Recorded = tuple[versions.DatasetVersion, StaleFiles]  # a new version, its files' check
COLUMNS = ("Name", "Created", "By", "Images", "Models trained on it", "Note")
DIFF_ROWS_SHOWN = 50
STALE_NOTE = "The labels have changed since this comparison; press Compare to update it."


class VersionsView(QWidget):
    exportRequested = Signal(str)  # a version's name
    message = Signal(str)
    error = Signal(object)  # str, or a FailureText: with the disk it found full

    def __init__(self, project: Project, runner: JobRunner | None = None):
        super().__init__()
        self.project = project
        self.runner = runner or JobRunner(self, max_threads=1)
        self.versions: list[versions.DatasetVersion] = []
        self.version_form: VersionForm | None = None  # New version…'s form, when open
        self.diff_job: Job | None = None
        self.create_job: Job | None = None  # a version being recorded
        self.verify_job: Job | None = None  # an export folder being checked
        self.verify_dialog: VerifyDialog | None = None  # the last check's result
        self._closed = False  # shut down: a recording that ends later reaches no widget
        self._diff_of = ""  # the version diff_job compares
        self._diff_with = NOW  # what diff_job compares it with
        # the labels changed after the comparison with now on show (or running) read them
        self._now_stale = False
        self.last_diff: VersionDiff | None = None

        title = QLabel("<b>Dataset versions</b>")
        hint = QLabel(
            "A version keeps the labels, statuses and splits of a moment, and which images "
            "there were; training records one by itself. Export reproduces it exactly."
        )
        hint.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setAccessibleName("Dataset versions")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)  # Tab goes on to the buttons
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._selection_changed)

        self.create_button = QPushButton("New version…")
        self.create_button.setToolTip("Name the state the labels are in now")
        self.create_button.clicked.connect(self.prompt_create)
        if project.read_only is not None:  # recording a version writes
            self.create_button.setEnabled(False)
            self.create_button.setToolTip(READ_ONLY_TIP)
        self.compare_with = QComboBox()
        self.compare_button = QPushButton("Compare")
        self.compare_button.clicked.connect(self.compare)
        self.export_button = QPushButton("Export this version…")
        self.export_button.clicked.connect(self._export)
        self.verify_button = QPushButton("Verify an export…")
        self.verify_button.setToolTip(
            "Check that an export folder is still the version it was exported from: "
            "every image there, every file and label unchanged"
        )
        self.verify_button.clicked.connect(self.prompt_verify)
        buttons = QHBoxLayout()
        buttons.addWidget(self.create_button)
        buttons.addStretch(1)
        compare_label = QLabel("Compare the selected version with")
        compare_label.setBuddy(self.compare_with)  # what a screen reader calls the box
        buttons.addWidget(compare_label)
        buttons.addWidget(self.compare_with)
        buttons.addWidget(self.compare_button)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.verify_button)

        self.diff_text = QPlainTextEdit()
        self.diff_text.setAccessibleName("Comparison")
        self.diff_text.setReadOnly(True)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(hint)
        layout.addWidget(self.table, 2)
        layout.addLayout(buttons)
        layout.addWidget(self.diff_text, 3)
        self.refresh()

    # -- listing -----------------------------------------------------------------------
    def refresh(self) -> None:
        chosen = self.selected()
        self.versions = versions.list_versions(self.project.db)
        self.table.setRowCount(len(self.versions))
        for row, v in enumerate(self.versions):
            when = dt.datetime.fromtimestamp(v.created_at).strftime("%Y-%m-%d %H:%M")
            models = ", ".join(f"#{m}" for m in v.models)  # as Training names them
            # a row is one line high: a note's lines joined by ↵, the whole note as tooltip
            note = " ↵ ".join(v.note.splitlines())
            cells = (v.name, when, v.author or "", f"{v.images:,}", models, note)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 5 and note != v.note:
                    item.setToolTip(v.note)
                if column == 3:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(row, column, item)
        self.diff_text.setPlaceholderText(
            "Select a version and press Compare to see what changed"
            if self.versions
            else "No versions yet. New version… names the labels as they are now, to "
            "compare with later or export exactly as they were."
        )
        self.diff_text.viewport().update()  # the box draws the hint: not repainted itself
        self.compare_with.clear()
        self.compare_with.addItem("the labels now", NOW)
        for v in self.versions:
            self.compare_with.addItem(v.name, v.name)
        if chosen is not None:
            self.select(chosen.name)
        elif self.versions:  # the newest: a row that looked current, with Compare greyed
            self.table.selectRow(0)
        self._selection_changed()

    def selected(self) -> versions.DatasetVersion | None:
        rows = self.table.selectionModel().selectedRows()
        return self.versions[rows[0].row()] if rows else None

    def select(self, name: str) -> None:
        for row, v in enumerate(self.versions):
            if v.name == name:
                self.table.selectRow(row)

    def _selection_changed(self) -> None:
        selected = self.selected()
        for widget in (self.compare_button, self.export_button):
            widget.setEnabled(selected is not None)
        # a version is not compared with itself: its own entry is greyed out
        model = self.compare_with.model()
        if isinstance(model, QStandardItemModel):
            for row in range(self.compare_with.count()):
                item = model.item(row)
                if item is not None:
                    same = selected is not None and self.compare_with.itemData(row) == selected.name
                    item.setEnabled(not same)
                    if same and self.compare_with.currentIndex() == row:
                        self.compare_with.setCurrentIndex(0)  # the labels now
        # the comparison on show was of another version: not left standing beside this one
        shown = self.last_diff
        if shown is not None and (selected is None or shown.a != selected.name):
            self.last_diff, self._now_stale = None, False
            self.diff_text.clear()
        job = self.diff_job
        if job is not None and job.running and (selected is None or self._diff_of != selected.name):
            job.cancel()  # a comparison of another version
            self.diff_job = None
            self.diff_text.clear()

    # -- actions -----------------------------------------------------------------------
    def prompt_create(self) -> None:
        """Ask the name and the note in one form; a name that cannot be used is said
        there, before anything is recorded."""
        if self.version_form is not None:
            self.version_form.close()
        form = VersionForm(self._name_problem, self)
        form.accepted.connect(lambda: self.create_version(form.name.text(), form.note.text()))
        form.finished.connect(lambda _: self._form_closed(form))
        self.version_form = form
        form.open()

    def _form_closed(self, form: VersionForm) -> None:
        if self.version_form is form:
            self.version_form = None
        form.deleteLater()

    def _name_problem(self, name: str) -> str:
        """Why ``name`` cannot be a new version ("" if it can, as far as this list knows:
        recording checks again)."""
        try:
            clean = versions.check_name(name)
        except LabelDeskError as exc:
            return capitalised(str(exc))
        if any(unicodedata.normalize("NFC", v.name) == clean for v in self.versions):
            return f"There is a version named {clean!r} already; pick another name"
        return ""

    def create_version(self, name: str, note: str = "") -> Job | None:
        """Record the state now as ``name``, in the background: recording which images
        there are reads and hashes every row (8.8 s of the GUI thread at 1M images). Its
        one transaction is committed before the list shows it and the message says so.
        None while another is being recorded."""
        if self.create_job is not None and self.create_job.running:
            return None
        db = self.project.db

        root = self.project.root

        def record(*, progress: object, cancel: CancelToken) -> Recorded:
            made = versions.create_version(db, name, note)
            # then whether its files still hold what the scan indexed (one stat a file)
            return made, stale_files(db, root)

        job = Job(record, "Recording a dataset version")
        job.keep_on_close = True  # asked for: closing the project must not drop it
        # (it outlives the page when the project closes: each slot checks _closed)
        job.finished.connect(self._created)
        job.failed.connect(lambda exc: self._create_failed(job, exc))
        job.ended.connect(self._create_ended)
        self.create_job = job
        self.create_button.setEnabled(False)
        self.message.emit(f"Recording version {name!r}…")
        return self.runner.start(job)

    def _created(self, recorded: Recorded) -> None:
        if self._closed:
            return
        made, found = recorded
        self.refresh()
        self.select(made.name)
        self.message.emit(f"Version {made.name!r} records {made.images:,} images as they are now")
        if not found.clean:  # said now, not first at its export
            self.error.emit(f"Version {made.name!r} is recorded, but {found.warning()}")

    def compare(self) -> Job | None:
        """What changed from the selected version to the one chosen (or now)."""
        a = self.selected()
        if a is None:
            return None
        other = str(self.compare_with.currentData() or NOW)
        db = self.project.db
        b = next((v for v in self.versions if v.name == other), None)

        def run(*, progress: object, cancel: CancelToken) -> VersionDiff:
            # the counts and the rows on show: a million changed images cost no more
            # memory than a hundred (the rest stays in the comparison's scratch file
            # until it closes)
            return diff_head(db, a, b, DIFF_ROWS_SHOWN)

        job = Job(run, "Comparing versions")
        self._diff_of, self._diff_with = a.name, other
        self._now_stale = False
        job.finished.connect(self._compared)
        # (tied to the page: a comparison ending after it was deleted calls nothing on it)
        job.connect_while(self, job.failed, lambda exc: self.error.emit(job.describe(exc)))
        self.diff_job = job
        self.diff_text.setPlainText("Comparing…")
        self.runner.start(job)
        return job

    def _compared(self, result: VersionDiff) -> None:
        if self.sender() is self.diff_job:
            self.last_diff = result
            self._show_diff()

    def _show_diff(self) -> None:
        result = self.last_diff
        if result is None:
            return
        text = result.to_text(limit=DIFF_ROWS_SHOWN, arrow="→")
        # named as the list beside it names it ("the labels now", not "current")
        now = self.compare_with.itemText(0)
        if result.b == CURRENT:
            text = text.replace(f"→ {CURRENT}", f"→ {now}", 1)
        more = "(--json lists all)"  # the command line's words: here, its whole command
        if more in text:
            both = [result.a] if result.b == CURRENT else [result.a, result.b]
            command = ["labeldesk", "version", str(self.project.path), "diff", *both]
            text = text.replace(more, f"(all of them: {shlex.join(command)} --json)")
        if self._now_stale and result.b == CURRENT:
            text = f"{STALE_NOTE}\n\n{text}"
        self.diff_text.setPlainText(text)

    def labels_changed(self) -> None:
        """Labels, statuses, splits or images changed (here, in a terminal, a rescan): a
        comparison with the labels now, shown or under way, no longer shows them. It says
        so; :meth:`compare_again_if_stale` makes it again when the page is shown."""
        shown = self.last_diff
        running = self.diff_job is not None and self.diff_job.running
        if running and self._diff_with == NOW:
            self._now_stale = True  # (said when its result comes)
        elif not running and shown is not None and shown.b == CURRENT and not self._now_stale:
            self._now_stale = True
            self._show_diff()

    def compare_again_if_stale(self) -> Job | None:
        """The page is shown again: an out-of-date comparison with now is made again
        (not while on screen: a colleague labeling all day would keep it busy)."""
        shown, chosen = self.last_diff, self.selected()
        if not self._now_stale or shown is None or chosen is None or shown.a != chosen.name:
            return None
        if self.compare_with.currentData() != NOW:
            return None  # another version chosen since: Compare makes that comparison
        return self.compare()

    def _export(self) -> None:
        chosen = self.selected()
        if chosen is not None:
            self.exportRequested.emit(chosen.name)

    # -- verifying an export -----------------------------------------------------------
    def prompt_verify(self) -> Job | None:
        """Ask for the export folder, then check it (see :meth:`verify`)."""
        last = settings.last_export_folder(self.project.path)  # the app's last export
        start = str(last) if last is not None and last.is_dir() else ""
        chosen = QFileDialog.getExistingDirectory(self, "Choose the export folder to verify", start)
        return self.verify(Path(chosen)) if chosen else None

    def verify(self, folder: Path) -> Job | None:
        """Check in the background that ``folder`` is the version its manifest says it
        was exported from (else the selected version; an export of the labels of its day:
        the labels now): every image there, every file and label unchanged. None while
        another check runs."""
        if self.verify_job is not None and self.verify_job.running:
            return None
        from labeldesk.interop.export_check import check_export, recorded_version

        project, names = self.project, {v.name for v in self.versions}
        picked = self.selected()

        def run(*, progress: ProgressCallback, cancel: CancelToken) -> object:
            said = recorded_version(folder)  # (NotAnExport: said in the result window)
            if said in names or said is None:
                name = said or CURRENT
            else:  # a version this project has not (any more): the one selected
                name = picked.name if picked is not None else CURRENT
            return check_export(project, name, folder, progress, cancel)

        job = Job(run, "Verifying an export")
        job.finished.connect(lambda found: self._verified(job, found))
        job.failed.connect(lambda exc: self._verify_failed(job, folder, exc))
        job.cancelled.connect(lambda: self._verify_cancelled(job))
        job.ended.connect(self._verify_ended)
        self.verify_job = job
        self.verify_button.setEnabled(False)
        self.message.emit(f"Checking the export in {folder}…")
        return self.runner.start(job)

    def _verified(self, job: Job, found: object) -> None:
        from labeldesk.interop.export_check import ExportCheck

        if self._closed or job is not self.verify_job or not isinstance(found, ExportCheck):
            return
        head, color = headline(found)
        text = details(found, str(self.project.path))
        self._show_result(found.out, head, color, text, advice(found))
        self.message.emit(head)

    def _verify_failed(self, job: Job, folder: Path, exc: BaseException) -> None:
        from labeldesk.interop.export_check import NotAnExport

        if self._closed or job is not self.verify_job:
            return
        if isinstance(exc, NotAnExport):
            head, text = not_an_export(exc)
            self._show_result(str(folder), head, NOT_COLOR, text)
            self.message.emit(head)
        else:
            said = capitalised(str(exc)) if isinstance(exc, LabelDeskError) else None
            self.error.emit(with_its_disk(said, exc) if said else job.describe(exc))

    def _verify_cancelled(self, job: Job) -> None:
        if not self._closed and job is self.verify_job:
            self.message.emit("Verifying the export was cancelled: nothing was checked")

    def _verify_ended(self) -> None:
        if not self._closed:
            self.verify_button.setEnabled(True)

    def _show_result(self, folder: str, head: str, color: str, text: str, advice: str = "") -> None:
        if self.verify_dialog is not None:
            self.verify_dialog.close()
            self.verify_dialog.deleteLater()
        self.verify_dialog = VerifyDialog(self, folder, head, color, text, advice)
        show_in_front(self.verify_dialog)  # Esc closes it, with or without a window manager

    def _create_failed(self, job: Job, exc: BaseException) -> None:
        if not self._closed:
            said = capitalised(str(exc)) if isinstance(exc, LabelDeskError) else None
            self.error.emit(with_its_disk(said, exc) if said else job.describe(exc))

    def _create_ended(self) -> None:
        if not self._closed:
            self.create_button.setEnabled(True)

    def shutdown(self) -> None:
        self._closed = True
        if self.diff_job is not None:
            self.diff_job.cancel()
        if self.verify_job is not None:
            self.verify_job.cancel()
