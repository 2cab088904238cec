"""File → Export…: write the curated dataset in a training layout.

The work is :func:`labeldesk.interop.export.export`, run as a background :class:`Job`
with a progress bar and Cancel. Failures the user can fix (the folder is not empty, it
lies inside the image folder) come back as one readable line shown in the dialog. Only an
earlier export may be replaced, and only after the person says so.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from labeldesk.core.display import capitalised, counted, quoted_names
from labeldesk.core.errors import LabelDeskError
from labeldesk.core.project import Project
from labeldesk.core.versions import list_versions
from labeldesk.gui import settings
from labeldesk.gui.app_words import in_app_words
from labeldesk.gui.dialog_height import grow_to_fit, lay_out_now
from labeldesk.gui.export_options import LEAVE_OUT_FLAGGED, ExportOptionsForm
from labeldesk.gui.full_disk import FailureText
from labeldesk.gui.job_dialog import ERROR_STYLE, ProjectJobDialog
from labeldesk.gui.job_progress import job_eta
from labeldesk.gui.report_area import ReportArea
from labeldesk.gui.workers import ExclusiveJobs, Job, JobRunner
from labeldesk.gui.wrapped_message import WrappedMessage, breakable
from labeldesk.interop.export import EXPORTERS, ExportOptions, ExportReport, export
from labeldesk.interop.export_target import check_target, resolved_target
from labeldesk.interop.export_texts import (
    flags_text,
    gif_text,
    gone_since_text,
    leakage_text,
    left_out_text,
    missing_text,
    no_split_text,
    split_counts,
    statuses_not_written,
)


def report_text(report: ExportReport) -> str:
    """'Wrote 90 images (train 60, val 30) to …; left out: 10 unlabeled, 1 failed.'"""
    splits = split_counts(sorted(report.per_split.items()))
    text = f"Wrote {counted(report.written, 'image')}"
    # which labels: a version's export said nothing of the version it wrote
    if report.version is not None:
        text += f" of version {quoted_names([report.version])}"
    if report.since is not None:
        text += f" changed since version {quoted_names([report.since])}"
    text += f" ({splits})" if splits else ""
    text += f" to {report.out}."
    left_out = left_out_text(report)
    text += f"\nLeft out: {left_out}." if left_out != "nothing" else ""
    flags = flags_text(report, LEAVE_OUT_FLAGGED, "Review likely mislabels shows them")
    if flags:
        text += "\n" + flags + "."
    if report.missing:
        text += "\n" + capitalised(missing_text(report)) + "."
    if report.failed:
        first = report.failed[0]
        text += (
            f"\n{counted(len(report.failed), 'image')} could not be read and "
            f"{'was' if len(report.failed) == 1 else 'were'} left out "
            f"(first: {first['path']}: {first['reason']})."
        )
    if report.no_split:
        text += "\n" + capitalised(no_split_text(report)) + "."
    if report.gif_as_png:
        text += "\n" + capitalised(gif_text(report)) + "."
    if report.gone_since:
        text += "\n" + capitalised(gone_since_text(report)) + "."
    if report.statuses_not_written:
        shown = FORMAT_NAMES.get(report.format, report.format).split(":", 1)[0]  # its name
        said = statuses_not_written(report.statuses_not_written, report.format, shown)
        text += "\n" + capitalised(said) + "."
    leaks = leakage_text(
        report, see=LEAKS_SHOWN, search=SEARCH_LEAKS, in_copy=SEARCH_IN_COPY, embed=EMBED_LEAKS
    )
    if leaks:
        text += "\n" + capitalised(leaks) + "."
    return text


# Over the report once the form is not the export's any more (folder, format, options)
PREVIOUS_EXPORT = "Previous export (the choices above have changed since):"

# Where the app shows the copies an export's leakage sentence counts, and how a person
# gets near duplicates checked by the next export (Statistics searches when shown)
LEAKS_SHOWN = "Statistics (Ctrl+T) shows the copies under Leaking groups"
SEARCH_LEAKS = "open Statistics (Ctrl+T) once and export again"
# how a person gets near duplicates of images without embeddings checked
EMBED_LEAKS = "use Tools → Compute embeddings (Ctrl+E) and export again"
# (a read-only project keeps no search: Statistics' is lost when it closes)
SEARCH_IN_COPY = (
    "copy the project folder somewhere writable, open the copy, open Statistics (Ctrl+T) "
    "there once and export from it"
)


# What the format list shows (the command line's names in each item's tooltip)
FORMAT_NAMES = {
    "imagefolder": "ImageFolder: a folder per class",
    "csv": "CSV: labels.csv and the images",
    "parquet": "Parquet: labels.parquet and the images",
    "hf": "Hugging Face imagefolder",
    "fiftyone": "FiftyOne image classification",
    "labelstudio": "Label Studio tasks",
    "webdataset": "WebDataset .tar shards",
}


def what_it_writes(options: ExportOptions, fmt: str) -> ExportOptions:
    """``options`` less what does not change the files an export in ``fmt`` writes (the
    seed without new splits, the shard size but for WebDataset; overwrite)."""
    return dataclasses.replace(
        options,
        overwrite=False,
        seed=options.seed if options.make_splits is not None else 0,
        shard_size=options.shard_size if fmt == "webdataset" else 0,
    )


class ExportDialog(ProjectJobDialog):
    """Choose a folder, a format and what to include; export in the background."""

    exported = Signal(object)  # the ExportReport

    def __init__(
        self,
        project: Project,
        parent: QWidget | None = None,
        runner: JobRunner | None = None,
        exclusive: ExclusiveJobs | None = None,
    ):
        """``exclusive``: the project session; an export takes its slot for exclusive
        jobs (no scan or training changes the project under it)."""
        super().__init__(project, parent, runner, exclusive, title="Export dataset", min_width=520)
        self.job: Job | None = None
        self.report: ExportReport | None = None
        # what the export started last writes: its format and options (as compared), and
        # the form's choices for the next export's form
        self._started: tuple[str, ExportOptions, dict[str, str]] | None = None

        self.folder = QLineEdit()
        self.folder.setPlaceholderText("a new folder outside the image folder")
        self.folder.setText(str(self.start_folder(project)))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(browse)

        self.format = QComboBox()
        for name in EXPORTERS.names():
            self.format.addItem(FORMAT_NAMES.get(name, name), name)
            self.format.setItemData(
                self.format.count() - 1,
                f"labeldesk export --format {name}",
                Qt.ItemDataRole.ToolTipRole,
            )
        self.extra = ExportOptionsForm(
            [v.name for v in list_versions(project.db)],
            top_rows=(("Output folder", folder_row), ("Format", self.format)),
        )
        last = settings.last_export_choices(project.path)  # what the last export used
        self.format.setCurrentIndex(max(0, self.format.findData(last.get("format", ""))))
        self.extra.restore(last)
        self.extra.show_for_format(str(self.format.currentData()))
        self.format.currentIndexChanged.connect(self._format_changed)
        self.format.currentIndexChanged.connect(self._edited)
        self._error_shown = False
        # The option widgets, by the names the dialog always had (tests, callers).
        self.copy, self.hardlink = self.extra.copy, self.extra.hardlink
        self.leave_out_flagged = self.extra.leave_out_flagged
        self.include_excluded = self.extra.include_excluded
        self.include_unlabeled = self.extra.include_unlabeled

        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.message = WrappedMessage()  # (a long path in it breaks rather than being cut)
        self.report_area = ReportArea(self.message)  # (a long report scrolls in it)
        self.export_button = QPushButton("Export")
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        # After an export: its folder in the file manager (the report only named it).
        self.open_button = QPushButton("Open folder")
        self.open_button.setToolTip("Show the exported folder in the file manager")
        self.open_button.clicked.connect(self.open_folder)
        self.open_button.setVisible(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.extra)
        # the progress bar and the report under the buttons, the room left over under
        # them: over the buttons, they pushed Export, Cancel and Close down by their
        # height (five lines of report) as an export started and ended
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.report_area)
        layout.addStretch(1)
        self.folder.textChanged.connect(self._edited)
        self.extra.changed.connect(self._edited)  # (any option: not only the class map)

    @staticmethod
    def start_folder(project: Project) -> Path:
        """Where the form starts: the folder this project was last exported into from the
        app (its parent still there), else ``<images>-export`` beside the image folder."""
        last = settings.last_export_folder(project.path)
        if last is not None and last.parent.is_dir():
            return last
        return project.root.parent / f"{project.root.name}-export"

    def options(self, *, overwrite: bool = False) -> ExportOptions:
        return self.extra.options(overwrite=overwrite)

    def confirm_replace(self, target: Path) -> bool:
        """Ask before an earlier export is replaced (tests answer for the person)."""
        answer = QMessageBox.question(
            self,
            "Replace the earlier export?",
            f"{breakable(str(target))} holds an earlier LabelDesk export, exactly as it was "
            "written.\n\n"
            "Replace it with this export? Its files will be deleted.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Yes

    @Slot()
    def _browse(self) -> None:
        start = self.folder.text() or str(self.project.root.parent)
        chosen, _ = QFileDialog.getSaveFileName(self, "Export into a new folder", start)
        if chosen:
            self.folder.setText(chosen)

    @Slot()
    def _format_changed(self) -> None:
        """Show the chosen format's rows; the dialog grows for the WebDataset shard row and
        gives the room back when it hides (unless the person made it taller)."""
        fitted = self.height() <= self.sizeHint().height()
        self.extra.show_for_format(str(self.format.currentData()))
        if fitted and self.isVisible():
            lay_out_now(self, self.extra.layout())
            self.resize(self.width(), self.sizeHint().height())

    def _show_message(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet(ERROR_STYLE if error else "")
        self.report_area.set_text(text)
        self._error_shown = error
        grow_to_fit(self, self.extra.layout())  # a report of several lines

    def _edited(self) -> None:
        """An error about what was typed goes once the person changes it; a change after
        an export makes Enter start the next one again."""
        if self.job is not None and self.job.running:
            return
        self._enter_presses(self.export_button)
        if self.report is not None:  # (an error said since goes as well)
            self._show_report()
        elif self._error_shown:
            self._show_message("")

    def _report_stands(self) -> bool:
        """Does the form still describe the export just written: its folder, its format
        and every option that changes what is written?"""
        report, started = self.report, self._started
        text, fmt = self.folder.text().strip(), str(self.format.currentData())
        if report is None or started is None or not text or fmt != report.format:
            return False
        try:
            if resolved_target(text) != Path(report.out):
                return False
            return what_it_writes(self.options(), fmt) == started[1]
        except LabelDeskError:  # (a broken link on the way, a class map that cannot be
            return False  # read: not that export)

    def _show_report(self) -> None:
        """The report of the export just written, and Open folder for its folder; once the
        folder, the format or an option is changed, the report says it is of the previous export and
        Open folder goes (they stayed as if of the export the form now describes, and
        Open folder opened the old folder), until they are as they were again."""
        if self.report is None:
            return
        stands = self._report_stands()
        text = report_text(self.report)
        self._show_message(text if stands else f"{PREVIOUS_EXPORT}\n{text}")
        self.open_button.setVisible(stands)

    def _enter_presses(self, button: QPushButton) -> None:
        """Make ``button`` the one Enter presses (Export, or Close once an export is
        written: Enter then started another export of the same folder, which asked to
        replace the one just made)."""
        closes = button is self.close_button
        self.enter_presses(self.export_button, self.close_button, closes=closes)

    # -- running -------------------------------------------------------------------
    @Slot()
    def start(self) -> Job | None:
        if self.job is not None and self.job.running:
            return None
        text = self.folder.text().strip()
        if not text:
            self._show_message("Choose an output folder first.", error=True)
            self._to_field(self.folder)
            return None
        out = Path(text).expanduser()
        try:  # a class map or split shares that cannot be read: say so, write nothing
            chosen = self.options()
        except LabelDeskError as exc:
            self._show_message(in_app_words(str(exc), self.project.path), error=True)
            self._to_field(self.extra.unreadable_field())
            return None
        try:  # refuse an unsafe folder before anything runs; ask before replacing
            target = check_target(self.project, out, overwrite=True)
        except LabelDeskError as exc:
            self._show_message(in_app_words(str(exc), self.project.path), error=True)
            self._to_field(self.folder)
            return None
        replace = target.is_dir() and any(target.iterdir())
        if replace and not self.confirm_replace(target):
            self._show_message("Nothing was written; the earlier export is as it was.")
            return None
        project, options = self.project, dataclasses.replace(chosen, overwrite=replace)
        fmt = str(self.format.currentData())
        started = (fmt, what_it_writes(chosen, fmt), self.extra.choices())

        def run(*, progress: Any, cancel: Any) -> ExportReport:
            return export(project, out, fmt, options, progress=progress, cancel=cancel)

        job = Job(run, "Export")
        job.progress.connect(self._progress)
        job.finished.connect(self._finished)
        job.failed.connect(lambda exc: self._failed(job.describe(exc)))
        job.cancelled.connect(self._cancelled)
        job.ended.connect(self._ended)
        if reason := self.blocker():
            self._show_message(reason, error=True)
            return None
        self.job = job
        self.report, self._started = None, started
        self.open_button.setVisible(False)
        self._set_running(True)
        self.progress.setRange(0, 0)
        self._show_message("Exporting…")
        self.start_job(job, "Exporting")
        return job

    @staticmethod
    def _to_field(field: QLineEdit) -> None:
        """The keyboard to the field an error is about, its text selected to type over (it
        stayed on Export: a person clicked the field before correcting it)."""
        field.setFocus(Qt.FocusReason.OtherFocusReason)
        field.selectAll()

    @Slot()
    def cancel(self) -> None:
        if self.job is not None and self.job.running:
            self.job.cancel()
            self.cancel_button.setEnabled(False)
            self._show_message("Cancelling…")

    def _set_running(self, running: bool) -> None:
        self.export_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.close_button.setEnabled(not running)
        self.progress.setVisible(running)

    @Slot(int, int, str)
    def _progress(self, done: int, total: int, message: str) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            self.progress.setFormat(f"{done:,} / {total:,}")  # as the status bar counts
        if self.job is not None and self.job.token.cancelled:
            return  # "Cancelling…" stays until the export stops (a phase's next report,
            # "syncing the exported files to the disk · 2s left", read as if it went on)
        if message:  # a sentence of its own under the bar ("exporting · 30s left" read as
            # cut off, after "Exporting…")
            self._show_message(capitalised(message) + job_eta(self.job, done, total))

    @Slot(object)
    def _finished(self, report: ExportReport) -> None:
        self.report = report
        # the next export's form starts as this one was: folder, format and options (as
        # Export was pressed: not as edited while it ran)
        assert self._started is not None
        fmt, _, chosen = self._started
        choices = {"format": fmt, **chosen}
        settings.save_last_export_folder(self.project.path, Path(report.out), choices)
        self._show_report()
        self.exported.emit(report)

    @Slot()
    def open_folder(self) -> None:
        """Open the folder of the export just made in the system's file manager (not once
        the form names another folder or format: that export is not the one it would make)."""
        if self.report is not None and self._report_stands():
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.report.out)))

    def _failed(self, message: FailureText) -> None:
        text = self.failed_words("Export", message)
        self._show_message(text, error=True)  # (the form's own)
        self.tell_if_disk_full(message, text)  # (the window's notice watches that disk)

    @Slot()
    def _cancelled(self) -> None:
        self._show_message("Export cancelled; nothing was written.")

    @Slot()
    def _ended(self) -> None:
        self._set_running(False)
        if self.report is not None:  # written: Enter closes rather than exports again
            self._enter_presses(self.close_button)

    # -- lifetime ------------------------------------------------------------------
    def shutdown(self) -> None:
        """Cancel a running export and wait for it (the export leaves no partial folder)."""
        if self.job is not None:
            self.job.cancel()
        self.shut_own_runner()

    def done(self, result: int) -> None:
        """Escape (or closing the window) while exporting is Cancel, as in a progress
        dialog: it did nothing at all, with no word on why; the dialog stays to say when
        the export has stopped."""
        if self.job is not None and self.job.running:
            self.cancel()
            return
        super().done(result)
