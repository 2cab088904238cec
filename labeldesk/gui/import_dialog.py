"""File → Import labels…: labels from another tool's file, checked before anything changes.

The form reads the file as soon as it is chosen (in the background) and says what it
found: the format (detected, or the one picked), how many rows, and every bad row by
line. Import applies the rows as one undoable batch through the project, so the browser
and the other views follow by themselves; nothing is applied while a row is bad unless
"Skip bad rows" is ticked. Built on the same registry as ``labeldesk import``.

A file whose labels are all empty, which would unlabel every image it names, is refused
as the command refuses it; "Apply the empty labels", shown then, is ``--empty-labels``.
What the form says of the file, before Import and after, is :mod:`.import_report`'s; its
inputs (the file, format, columns and boxes) are :mod:`.import_inputs`'.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from labeldesk.core.batch_counts import BatchCounts
from labeldesk.core.errors import LabelFileError
from labeldesk.core.label_files import LabelFile, apply_label_rows
from labeldesk.core.label_notes import reading_notes
from labeldesk.core.progress import CancelToken, ProgressCallback
from labeldesk.core.project import Project
from labeldesk.gui.dialog_height import grow_to_fit
from labeldesk.gui.full_disk import FailureText
from labeldesk.gui.import_inputs import ImportInputs
from labeldesk.gui.import_report import (
    Checked,
    add_classes_advice,
    applied_report,
    check_labels,
    checked_report,
    format_name,
    read_failed_report,
)
from labeldesk.gui.job_dialog import ERROR_STYLE, ProjectJobDialog
from labeldesk.gui.report_area import ReportArea
from labeldesk.gui.workers import ExclusiveJobs, Job, JobRunner
from labeldesk.gui.wrapped_message import WrappedMessage

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

        self.inputs = ImportInputs(self)
        inputs = self.inputs  # (its widgets by name here too: the tests drive them)
        self.file, self.format = inputs.file, inputs.format
        self.path_column, self.label_column = inputs.path_column, inputs.label_column
        self.split_column, self.predictions = inputs.split_column, inputs.predictions
        self.new_classes, self.skip_bad = inputs.new_classes, inputs.skip_bad
        self.empty_labels = inputs.empty_labels

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
        layout.addLayout(inputs.form)
        layout.addWidget(self.report_area)
        layout.addLayout(buttons)
        # as wide as the rows need (the Labels field as wide as its hint): a minimum width
        # set by hand overrides the layout's own, and the rows were squeezed under it
        self.setMinimumWidth(max(self.minimumWidth(), layout.totalMinimumSize().width()))

        self._read_timer = QTimer(self, singleShot=True, interval=READ_DELAY_MS)
        self._read_timer.timeout.connect(self.read)
        for edit in inputs.edits:  # (after the inputs' own: see ImportInputs)
            edit.textChanged.connect(self._input_edited)
        self.format.currentIndexChanged.connect(lambda _: self.read())
        self.predictions.toggled.connect(lambda _: self.read())
        self.new_classes.toggled.connect(lambda _: self.read())  # unknown classes allowed
        self.skip_bad.toggled.connect(lambda _: self._show_checked())
        self.empty_labels.toggled.connect(lambda _: self.read())
        self._update()

    # -- reading -----------------------------------------------------------------------
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
        key = self.inputs.key()
        path, fmt = Path(text).expanduser(), self.format.currentData()
        options = self.inputs.options()
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
        self.inputs.show_empty_labels(shown_box)
        skip = self.skip_bad.isChecked()
        # nothing can be imported from this file as it is (its labels all empty, bad
        # rows not skipped): said in the failure colour, as the Export form says its
        # options it cannot use
        refused = bool(checked.empty_refused) or (bool(checked.problems) and not skip)
        self._say(checked_report(checked, self.rows, skip=skip), error=refused)

    def _say(self, text: str, *, error: bool = False) -> None:
        """Show ``text`` under the form (``error``: in the Export form's colour for a
        failure, a file that could not be read or a refusal); a report of several lines
        makes the dialog grow (as the Export dialog does), rather than squeeze the
        form's rows."""
        self.found.setStyleSheet(ERROR_STYLE if error else "")
        self.report_area.set_text(text)
        grow_to_fit(self)

    def _read_failed(self, exc: BaseException) -> None:
        job = self.read_job
        if self.sender() is job and job is not None:
            text: str = job.describe(exc)  # (shown here: no disk to watch)
            self._say(read_failed_report(text, exc), error=True)
            self._update()

    # -- applying ----------------------------------------------------------------------
    def start(self) -> Job | None:
        """Apply the rows read, as one undoable batch."""
        rows, fmt = self.rows, self.format_used
        if rows is None or (self.apply_job is not None and self.apply_job.running):
            return None
        if self._rows_key != self.inputs.key():  # the inputs or the file changed since the read
            self.read()
            self._say("The file or the options changed since the read: reading again…")
            return None
        if self._applied_key == self._rows_key:  # applied already: count again first
            self.read()
            return None
        if self.checked is not None and self.checked.empty_refused:  # (said on the form)
            return None
        if reason := self.blocker():
            self._say(reason, error=True)  # (as the Export form says it)
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
        job.failed.connect(lambda exc: self._apply_failed(job.describe(exc)))
        job.ended.connect(self._update)
        self.apply_job = job
        self._say("Importing labels…")
        self.start_job(job, "Importing labels")
        self._update()
        return job

    def _apply_failed(self, failure: FailureText) -> None:
        text = self.failed_words("Import", failure)  # (as the Export form says its own)
        self._say(text, error=True)
        # the window's notice, which watches that disk: the same words
        self.tell_if_disk_full(failure, text)

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

    def shutdown(self) -> None:
        """Stop reading. The import itself has ended (:meth:`done` waits for it); a read
        still running is left to end on its own (it writes nothing, and its result goes
        nowhere), never waited for: a shared runner also holds the window's other jobs."""
        self._read_timer.stop()
        if self.read_job is not None:
            self.read_job.cancel()
            self.read_job = None
        self.shut_own_runner()
