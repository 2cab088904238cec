"""What the Import labels form says: the file's rows checked against the project before
Import (:class:`Checked`, :func:`checked_report`), and what Import did after it
(:func:`applied_report`). The form (:mod:`labeldesk.gui.import_dialog`) shows the text;
the check and the wording live here, without a widget.

Before Import the form also says what the command's summary says of the file (its
``notes``: a column read by its exact case beside another of its name in other case, a
label column empty in most rows), the rows naming no image in the project, and the
images found by file name alone. A file whose labels are all empty is refused as the
command refuses it; with "Apply the empty labels" ticked, it says how many labels would go.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from labeldesk.core.batch_counts import REMOVED_WHY, BatchCounts
from labeldesk.core.display import capitalised, counted
from labeldesk.core.empty_labels import refuse_empty_label_column
from labeldesk.core.errors import LabelFileError
from labeldesk.core.label_files import LabelFile, apply_label_rows
from labeldesk.core.label_notes import (
    already_as_said,
    by_name_notice,
    old_names_note,
    reading_notes,
    rows_named,
    unusable_rows_note,
)
from labeldesk.core.progress import CancelToken, ProgressCallback
from labeldesk.core.project import Project
from labeldesk.gui.app_words import in_app_words
from labeldesk.interop.formats import ImportOptions, UnknownFormatError, read_labels

PROBLEMS_SHOWN = 12

# What the format list shows, and the name the report reads a file "as" (the command
# line's names, "hf", "labelstudio", meant nothing in the form; they stay in each
# item's tooltip, as the Export dialog has them)
FORMAT_NAMES = {
    "csv": ("CSV, JSON or TSV: a path and a label per row", "CSV"),
    "parquet": ("Parquet: a path and a label per row", "Parquet"),
    "hf": ("Hugging Face imagefolder (metadata.jsonl)", "Hugging Face imagefolder"),
    "fiftyone": ("FiftyOne image classification", "FiftyOne"),
    "labelstudio": ("Label Studio JSON export", "Label Studio"),
    "imagefolder": ("ImageFolder: a folder per class", "ImageFolder"),
    "webdataset": ("WebDataset .tar shards", "WebDataset"),
}


def format_name(name: str) -> str:
    """The short name of the import format ``name`` ("Label Studio" for "labelstudio")."""
    return FORMAT_NAMES.get(name, (name, name))[1]


@dataclass(frozen=True)
class Checked:
    """A file read and checked against the project, nothing applied."""

    format: str
    rows: LabelFile
    images: int  # images the good rows name
    problems: list[str]  # every bad row, by line
    removed: int  # of ``images``: labeled images the rows would leave unlabeled
    # rows in the file, those it could not read included ("4 rows" and "5 bad rows" of
    # one file: ``rows`` holds only the rows read, a row with an empty path is not one)
    in_file: int
    # why the file is refused for its labels being all empty ("": it is not), until
    # "Apply the empty labels" is ticked
    empty_refused: str = ""


def check_labels(
    project: Project,
    path: Path,
    fmt: str | None,
    options: ImportOptions,
    *,
    create: bool,
    empty_ok: bool,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> Checked:
    """Read ``path`` and check its rows against ``project`` as the import checks them
    (``create``: labels may add classes; ``empty_ok``: "Apply the empty labels"),
    applying nothing. Runs in the background."""
    used, rows = read_labels(path, fmt, options, progress=progress, cancel=cancel)
    # the file's rows: those read and those it could not read (counted before the
    # check below adds its problems, of rows that were read)
    in_file = len(rows) + len({line for line, _ in rows.problems})
    rows.empty_labels_ok = empty_ok  # (kept for Import: the same rows are applied)
    try:  # (as apply_label_rows refuses it, with the way out the form offers)
        refuse_empty_label_column(rows)
    except LabelFileError as exc:
        return Checked(used, rows, 0, [], 0, in_file, empty_refused=exc.problems[0])
    problems: list[str] = []  # every bad row: of the file, and against the project
    images = apply_label_rows(
        project,
        rows,
        create_classes=create,
        skipped=problems,
        dry_run=True,
        progress=progress,  # a folder of images is read, file by file
        cancel=cancel,
    )
    return Checked(used, rows, images, problems, rows.would_change.removed, in_file)


def checked_report(checked: Checked, rows: LabelFile, *, skip: bool) -> str:
    """What the rows read would do, checked against the project as the import checks
    them (before, only the file's own bad rows were listed: a row naming a missing image
    or an unknown class read as usable until Import was pressed). ``skip``: "Skip bad
    rows" is ticked."""
    problems = checked.problems
    shown = rows.read_as or format_name(checked.format)
    if checked.empty_refused:
        refused = in_app_words(checked.empty_refused)
        read = f"Read as {shown}: {counted(checked.in_file, 'row')}"
        return f"{read}, nothing is applied: {refused}."
    if checked.images:
        changes = f"{counted(checked.images, 'image')} would change"
        if checked.removed:  # as the result and the command say it
            changes += f", {counted(checked.removed, 'label')} removed {REMOVED_WHY}"
    elif not rows.matched:  # (no row names a usable image: none is "already as it says")
        changes = "nothing would change"
    else:  # (with bad rows, the checked rows skip them: ``matched`` counts the others)
        changes = f"nothing would change ({already_as_said(rows.matched, bool(problems))})"
    if not problems:
        what = changes
    elif skip:
        what = f"{changes}; the bad rows are skipped"
    else:
        what = "nothing is applied while there are bad rows (fix them, or tick Skip bad rows)"
    lines = [f"Read as {shown}: {counted(checked.in_file, 'row')}, {what}"]
    lines += [capitalised(in_app_words(note)) + "." for note in reading_notes(rows)]
    if rows.status_note:
        lines.append(capitalised(rows.status_note) + ".")
    if rows.old_names:
        lines.append(capitalised(old_names_note(rows.old_names)) + ".")
    if problems:
        lines.append(f"{counted(len(problems), 'bad row')}:")
        lines += [f"  {in_app_words(p)}" for p in problems[:PROBLEMS_SHOWN]]
        if len(problems) > PROBLEMS_SHOWN:
            lines.append(f"  … and {len(problems) - PROBLEMS_SHOWN} more")
        lines += add_classes_advice(rows.unknown_classes)
    lines += unusable_rows_note(rows.unusable, PROBLEMS_SHOWN)
    lines += _unmatched_note(rows.unmatched)
    lines += _by_name_line(rows.by_name)
    return "\n".join(lines)


def applied_report(
    applied: BatchCounts,
    skipped: list[str],
    unmatched: list[str],
    by_name: int,
    *,
    unusable: list[str] | None = None,
    notes: list[str] | None = None,
) -> str:
    """What Import did: the counts, the file's notes, the rows it left out. "Edit → Undo
    takes them back" only of a batch written (labels, splits or review statuses: undo
    gives each image all three back): an import that changed nothing wrote none, and
    Undo would then take back the person's change before it."""
    lines = [undo_said(applied)]
    lines += [capitalised(in_app_words(note)) + "." for note in notes or []]
    if skipped:
        lines.append(f"{counted(rows_named(skipped), 'row')} left out:")
        lines += [f"  {in_app_words(p)}" for p in skipped[:PROBLEMS_SHOWN]]
    lines += _unmatched_note(unmatched)
    lines += unusable_rows_note(unusable or [], PROBLEMS_SHOWN)
    lines += _by_name_line(by_name)
    return "\n".join(lines)


def undo_said(applied: BatchCounts) -> str:
    """The result's first line: what changed, and whether Edit → Undo takes it back."""
    if applied.batch is None or not applied.images:  # (the rows were read, then the
        # project came to say what they say: labeled meanwhile in the browser)
        return (
            "Nothing changed: the images the file applies to are already as it says "
            "(nothing for Edit → Undo to take back)"
        )
    return f"{applied.describe()} (Edit → Undo takes them back)"


def read_failed_report(text: str, exc: BaseException) -> str:
    """Why the file could not be read (``text``: the job's words for ``exc``)."""
    if isinstance(exc, UnknownFormatError):  # the command line's names, as the
        # form's list no longer shows them: the list is where to name it
        text = text.split("; name its format", 1)[0]
        text += "; if its format is in the Format list, choose it there"
    return text


def _by_name_line(count: int) -> list[str]:
    """The images found by file name alone, before Import and after it alike: a sentence
    of the form, with its full stop (the result's had none)."""
    return [by_name_notice(count) + "."] if count else []


def _unmatched_note(unmatched: list[str]) -> list[str]:
    """The rows naming no image in the project (a Label Studio export may name images of
    other projects too), before Import and after it."""
    if not unmatched:
        return []
    n = len(unmatched)
    lines = [f"{counted(n, 'row')} {'names' if n == 1 else 'name'} no image in this project:"]
    lines += [f"  {p}" for p in unmatched[:PROBLEMS_SHOWN]]
    if n > PROBLEMS_SHOWN:
        lines.append(f"  … and {n - PROBLEMS_SHOWN} more")
    return lines


def add_classes_advice(unknown: list[str]) -> list[str]:
    """The line after the bad rows when some name classes the project lacks: how to add
    them in the app (each row names its class; the command line gives its own advice)."""
    if not unknown:
        return []
    it, classes = ("it", "class") if len(unknown) == 1 else ("them", "classes")
    return [
        f"Add the {classes} first (Classes → Add class…), or tick “Allow labels that add "
        f"classes” to add {it} with the labels."
    ]
