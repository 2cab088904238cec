"""File → Import labels…: labels from another tool's file, checked before anything changes.

The form reads the file as soon as it is chosen (in the background) and says what it
found: the format (detected, or the one picked), how many rows, and every bad row by
line. Import applies the rows as one undoable batch through the project, so the browser
and the other views follow by themselves; nothing is applied while a row is bad unless
"Skip bad rows" is ticked. Built on the same registry as ``labeldesk import``.

A file whose labels are all empty, which would unlabel every image it names, is refused
as the command refuses it; "Apply the empty labels", shown then, is ``--empty-labels``.
What the form says of the file, before Import and after, is :mod:`.import_report`'s.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer, Signal
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
    QVBoxLayout,
    QWidget,
)

from labeldesk.core.batch_counts import BatchCounts
from labeldesk.core.errors import LabelFileError
from labeldesk.core.label_files import LabelFile, apply_label_rows
from labeldesk.core.label_notes import reading_notes
from labeldesk.core.progress import CancelToken, ProgressCallback
from labeldesk.core.project import Project
from labeldesk.gui.app_words import EMPTY_LABELS_BOX, PREDICTIONS_BOX
from labeldesk.gui.dialog_height import grow_to_fit
from labeldesk.gui.import_report import (
    FORMAT_NAMES,
    Checked,
    add_classes_advice,
    applied_report,
    check_labels,
    checked_report,
    format_name,
    read_failed_report,
)
from labeldesk.gui.job_dialog import ProjectJobDialog
from labeldesk.gui.report_area import ReportArea
from labeldesk.gui.workers import ExclusiveJobs, Job, JobRunner
from labeldesk.gui.wrapped_message import WrappedMessage
from labeldesk.interop.formats import IMPORTERS, ImportOptions, source_state

DETECT = ""  # the format combo's "detect it" entry
READ_DELAY_MS = 400  # wait for typing to pause before reading a file


class ImportDialog(ProjectJobDialog):
    imported = Signal(int)  # images changed (label, split or status)

    def __init__(
        self,
        project: Project,
        parent: QWidget | None = None,
        runner: JobRunner | None = None,
        exclusive: ExclusiveJobs | None = None,
    ):
        """``exclusive``: the project session, whose slot the import takes (no scan or
        export runs while labels are written)."""
        super().__init__(project, parent, runner, exclusive, title="Import labels", min_width=560)
        self.rows: LabelFile | None = None
        self._rows_key: tuple[object, ...] | None = None  # the inputs self.rows was read from
        self._read_key: tuple[object, ...] | None = None  # the inputs read_job reads
        self.format_used = ""
        self.checked: Checked | None = None  # the rows read, checked against the project
        self._applied_key: tuple[object, ...] | None = None  # the rows last applied
        self.read_job: Job | None = None
        self.apply_job: Job | None = None

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
        self._form = form

        # (a QLabel cut a path longer than the dialog at its edge: "…/corrections_appli")
        self.found = WrappedMessage()
        self.report_area = ReportArea(self.found)  # (a long list of bad rows scrolls)
        self.import_button = QPushButton("Import")
        self.import_button.setDefault(True)
        self.import_button.clicked.connect(self.start)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.report_area)
        layout.addLayout(buttons)
        # as wide as the rows need (the Labels field as wide as its hint): a minimum width
        # set by hand overrides the layout's own, and the rows were squeezed under it
        self.setMinimumWidth(max(self.minimumWidth(), layout.totalMinimumSize().width()))

        self._read_timer = QTimer(self, singleShot=True, interval=READ_DELAY_MS)
        self._read_timer.timeout.connect(self.read)
        self.file.textChanged.connect(self._file_chosen)  # (first: before the read's timer)
        for edit in (self.file, self.path_column, self.label_column, self.split_column):
            edit.textChanged.connect(self._input_edited)
        self.format.currentIndexChanged.connect(lambda _: self.read())
        self.predictions.toggled.connect(lambda _: self.read())
        self.new_classes.toggled.connect(lambda _: self.read())  # unknown classes allowed
        self.skip_bad.toggled.connect(lambda _: self._show_checked())
        self.empty_labels.toggled.connect(lambda _: self.read())
        self._update()

    # -- reading -----------------------------------------------------------------------
    def options(self) -> ImportOptions:
        return ImportOptions(
            path_column=self.path_column.text().strip() or None,
            label_column=self.label_column.text().strip() or None,
            split_column=self.split_column.text().strip() or None,
            predictions=self.predictions.isChecked(),
        )

    def _key(self) -> tuple[object, ...]:
        """What a read depends on: rows read under another key belong to another file, or
        to the same file before it was edited (the form lists a file's bad rows; a person
        fixes them in an editor and clicks Import: the fixed file must be read again)."""
        text = self.file.text().strip()
        state = source_state(Path(text).expanduser()) if text else ()
        create = self.new_classes.isChecked()  # the rows are checked against the classes
        empty = self.empty_labels.isChecked()
        return (text, self.format.currentData(), self.options(), state, create, empty)

    def _file_chosen(self, _text: str) -> None:
        """Another file: "Apply the empty labels" was said of the last one, not of it."""
        self.empty_labels.blockSignals(True)
        self.empty_labels.setChecked(False)
        self.empty_labels.blockSignals(False)
        self._form.setRowVisible(self.empty_labels, False)

    def _forget_rows(self) -> None:
        """Drop the rows shown and any read under way: they no longer match the inputs.

        Without this, Import (the default button) applied the previous file's rows for
        the READ_DELAY_MS after a new path was pasted, recorded under the new name."""
        self.rows, self._rows_key, self.checked = None, None, None
        self._applied_key = None
        self.enter_presses(self.import_button, self.close_button, closes=False)
        if self.read_job is not None:
            self.read_job.cancel()
            self.read_job = None  # its late result is ignored by _read_finished
        self._update()

    def _input_edited(self, _text: str) -> None:
        self._forget_rows()
        self._say("Reading…" if self.file.text().strip() else "")
        self._read_timer.start()

    def read(self) -> Job | None:
        """Read the chosen file in the background and show what it holds."""
        self._read_timer.stop()
        self._forget_rows()
        text = self.file.text().strip()
        if not text:
            self._say("")
            return None
        key = self._key()
        path, fmt, options = Path(text).expanduser(), self.format.currentData(), self.options()
        project, create = self.project, self.new_classes.isChecked()
        empty_ok = self.empty_labels.isChecked()

        def run(*, progress: ProgressCallback, cancel: CancelToken) -> Checked:
            return check_labels(
                project,
                path,
                fmt or None,
                options,
                create=create,
                empty_ok=empty_ok,
                progress=progress,
                cancel=cancel,
            )

        job = Job(run, "Reading labels")
        job.progress.connect(self._read_progress)
        job.finished.connect(self._read_finished)
        job.failed.connect(self._read_failed)
        self.read_job, self._read_key = job, key
        self._say("Reading…")
        self._update()
        self.runner.start(job)
        return job

    def _read_progress(self, done: int, total: int, message: str) -> None:
        if self.sender() is self.read_job and total:
            self._say(f"Reading… {message}: {done:,} of {total:,} (Close stops it)")

    def _read_finished(self, result: Checked) -> None:
        job = self.read_job
        if self.sender() is not job or job is None:
            return  # an older read, overtaken by a newer choice
        self.format_used, self.rows, self.checked = result.format, result.rows, result
        self._rows_key = self._read_key
        self._show_checked()
        self._update()

    def _show_checked(self) -> None:
        """What the rows would do, checked against the project (see :func:`checked_report`)."""
        checked = self.checked
        self._update()
        if checked is None or self.rows is None or self._rows_key is None:
            return
        if self._applied_key == self._rows_key:
            return  # applied: the result stays on show
        shown_box = bool(checked.empty_refused) or self.empty_labels.isChecked()
        self._form.setRowVisible(self.empty_labels, shown_box)
        self._say(checked_report(checked, self.rows, skip=self.skip_bad.isChecked()))

    def _say(self, text: str) -> None:
        """Show ``text`` under the form; a report of several lines makes the dialog
        grow (as the Export dialog does), rather than squeeze the form's rows."""
        self.report_area.set_text(text)
        grow_to_fit(self)

    def _read_failed(self, exc: BaseException) -> None:
        job = self.read_job
        if self.sender() is job and job is not None:
            text: str = job.describe(exc)  # (shown here: no disk to watch)
            self._say(read_failed_report(text, exc))
            self._update()

    # -- applying ----------------------------------------------------------------------
    def start(self) -> Job | None:
        """Apply the rows read, as one undoable batch."""
        rows, fmt = self.rows, self.format_used
        if rows is None or (self.apply_job is not None and self.apply_job.running):
            return None
        if self._rows_key != self._key():  # the inputs or the file changed since the read
            self.read()
            self._say("The file or the options changed since the read: reading again…")
            return None
        if self._applied_key == self._rows_key:  # applied already: count again first
            self.read()
            return None
        if self.checked is not None and self.checked.empty_refused:  # (said on the form)
            return None
        if reason := self.blocker():
            self._say(reason)
            return None
        project, create = self.project, self.new_classes.isChecked()
        skipped: list[str] | None = [] if self.skip_bad.isChecked() else None
        name = Path(self.file.text().strip()).name

        file = f"{name} ({rows.read_as or format_name(fmt)})"

        def run(*, progress: object, cancel: CancelToken) -> int:
            try:
                return apply_label_rows(
                    project,
                    rows,
                    source="import",  # the person's own: Ctrl+Z takes it back
                    file=file,
                    create_classes=create,
                    description=f"labels from {file}",
                    skipped=skipped,
                )
            except LabelFileError as exc:  # a class removed since the read: how to add it
                advice = add_classes_advice(exc.unknown_classes)
                raise (exc.advised(advice[0]) if advice else exc) from None

        job = Job(run, "Importing labels")
        key = self._rows_key  # what is applied: a read finishing meanwhile is another
        job.finished.connect(
            lambda _: self._applied(
                rows.applied,
                skipped or [],
                list(rows.unmatched),
                rows.by_name,
                key,
                unusable=list(rows.unusable),
                notes=reading_notes(rows),
            )
        )
        job.failed.connect(lambda exc: self._say(job.describe(exc)))
        job.ended.connect(self._update)
        self.apply_job = job
        self._say("Importing labels…")
        self.start_job(job, "Importing labels")
        self._update()
        return job

    def _applied(
        self,
        applied: BatchCounts,
        skipped: list[str],
        unmatched: list[str],
        by_name: int,
        key: tuple[object, ...] | None = None,
        *,
        unusable: list[str] | None = None,
        notes: list[str] | None = None,
    ) -> None:
        self._applied_key = key  # Import now reads again first (the counts changed)
        self._say(
            applied_report(applied, skipped, unmatched, by_name, unusable=unusable, notes=notes)
        )
        # Enter now closes the form (it read the file again, and the result gave way to
        # "nothing would change"), until another file or option is chosen
        self.enter_presses(self.import_button, self.close_button, closes=True)
        self.imported.emit(applied.images)

    def _update(self) -> None:
        busy = self.apply_job is not None and self.apply_job.running
        # Import when something would change: with bad rows, only once they are skipped
        # (the form lists them already; Import would apply nothing).
        checked = self.checked
        ready = (
            self.rows is not None
            and checked is not None
            and checked.images > 0
            and (not checked.problems or self.skip_bad.isChecked())
        )
        self.import_button.setEnabled(ready and not busy)
        self.close_button.setEnabled(not busy)

    def done(self, result: int) -> None:
        """Stay open while the labels are written (one short transaction), so closing
        never has to wait for it, and its result is still shown here."""
        if self.apply_job is not None and self.apply_job.running:
            return
        super().done(result)

    # -- choosing ----------------------------------------------------------------------
    def _browse_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Labels file", self.file.text())
        if path:
            self.file.setText(path)

    def _browse_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(
            self, "Labels folder (an export, class folders, shards)", self.file.text()
        )
        if path:
            self.file.setText(path)

    def shutdown(self) -> None:
        """Stop reading. The import itself has ended (:meth:`done` waits for it); a read
        still running is left to end on its own (it writes nothing, and its result goes
        nowhere), never waited for: a shared runner also holds the window's other jobs."""
        self._read_timer.stop()
        if self.read_job is not None:
            self.read_job.cancel()
            self.read_job = None
        self.shut_own_runner()


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
