"""Reading a label file (CSV or JSON) into a :class:`LabelFile`: its usable rows, and what
is wrong with the others.

CSV: a header with a path column (``path``/``file``/``filename``/``image``) and a label
column (``label``/``class``/``category``), optionally ``split``; without a header the
columns are path,label[,split]. Quoted fields may span lines (a row's line is where it
starts). JSON: ``{"path": "label", ...}`` or a list of objects with ``path``, ``label`` and
optionally ``split``; ``.jsonl`` files hold one such object per line. An empty label means
"unlabeled".

A person fixes a label file in one go only if every problem is listed at once, so
:func:`read_label_file` keeps the problems of single rows (each checked here: a valid
class name, a known split) instead of raising them; what only the project can tell is
checked when the rows are applied (:mod:`.label_files`). Other formats' readers hand
their parsed records to :func:`checked_rows` for the same checks.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .batch_counts import BatchCounts
from .display import NOT_UNICODE, not_unicode
from .empty_labels import is_empty_label, no_label_in
from .errors import LabelDeskError, LabelFileError
from .json_shown import json_shown, quoted
from .label_bytes import decode, read_label_bytes
from .label_content import Hashes
from .label_file_formats import (
    KEEP_LABEL,
    USUAL_COLUMNS,
    Columns,
    Parsed,
    Record,
    csv_head,
    parse_csv,
    refused_path,
)
from .label_json import parse_json, parse_json_lines
from .label_rows import LabelRow, Rows, RowTable
from .label_status import StatusColumn, bound_label
from .labels import validate_class_name
from .layout import SPLIT_FOLDERS


@dataclass
class LabelFile:
    """The usable rows of a label file and what is wrong with the others."""

    source: str
    rows: Rows  # a list, or (CSV, JSON lines) a compact table of them
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, problem)
    unit: str = "line"  # how ``line`` is shown: "line", "entry" or "row" (several files)
    # A file that describes more images than the project holds (a Label Studio project):
    # rows naming no image are listed in ``unmatched`` by apply_label_rows, not refused
    # (unless no row names one).
    unmatched_ok: bool = False
    unmatched: list[str] = field(default_factory=list)
    # Rows naming a file the scan skips (a link out of the image folder, not an image,
    # unreadable), with the scan's reason: left out by apply_label_rows, not applied (a
    # label there would count nowhere), and listed here by line
    unusable: list[str] = field(default_factory=list)
    # Images in a folder that rows found by a bare file name alone (Label Studio uploads
    # carry no folder), among those applied: counted by apply_label_rows.
    by_name: int = 0
    # Rows (by line) that name a Label Studio upload, whose name Label Studio stored in
    # a safe spelling (:mod:`.upload_names`): matched by it when their name fits no image
    upload_lines: set[int] = field(default_factory=set)
    # What apply_label_rows changed, by kind (labels, splits, review statuses)
    applied: BatchCounts = field(default_factory=BatchCounts)
    # The images the rows name, those the project already holds as they say included
    # (what apply_label_rows applied or would apply, bad rows skipped): less what
    # changed, they are the images "unchanged"
    matched: int = 0
    would_change: BatchCounts = field(default_factory=BatchCounts)  # (a dry run's count)
    # Old class names the rows used (a class renamed or merged since) -> the class now
    old_names: dict[str, str] = field(default_factory=dict)
    unknown_classes: list[str] = field(default_factory=list)  # (not allowed), as written
    # (line, path as written) of bad rows that name a path: with bad rows skipped, the
    # image such a row names is left out, whatever the file's good rows say of it
    refused: list[tuple[int, str]] = field(default_factory=list)
    # A LabelDesk export read back: the image folder and the project folder of the project
    # it was exported from (either identifies it: a relocated image folder is still that
    # project), and each row's (then each refused row's) path in that project ("": not a
    # file the export wrote, the row keeps its path). Used only when the rows are applied
    # to that project; any other takes the paths as written.
    exported_from: str | None = None
    exported_project: str | None = None
    source_paths: list[str] = field(default_factory=list)
    source_refused: list[str] = field(default_factory=list)
    # and the content hash each (refused) row's file was exported with ("": not known):
    # the row goes to the image that has those bytes now, when it is not at that path
    source_hashes: list[str] = field(default_factory=list)
    source_refused_hashes: list[str] = field(default_factory=list)
    # Rows that name their image by their bytes (a folder of class folders, a WebDataset
    # shard; :class:`.label_content.ByContent`): per row, the file (or a key of
    # ``content_hashes``) holding its bytes, and the path to match when no image has them
    # ("": none); the files of bad rows, whose images are left out when bad rows are
    # skipped; hashes read once; and per row, whether its export led it back
    content_files: list[str] = field(default_factory=list)
    fallback_paths: list[str] = field(default_factory=list)
    refused_content: list[str] = field(default_factory=list)
    content_hashes: Hashes = field(default_factory=dict)
    led_back: list[bool] = field(default_factory=list)
    written_paths: list[str] = field(default_factory=list)  # (see .rows_elsewhere)
    # What the file turned out to be, when its format name does not say it (the csv
    # format also reads JSON): shown as "read FILE as {read_as}"
    read_as: str = ""
    # Why the file's status column was not read (another tool's words), or ""
    status_note: str = ""
    # Read from JSON (a JSON or JSON lines label file, Label Studio, FiftyOne): its paths
    # and labels are shown in messages as JSON writes them (``"a\\b"``), a CSV's and a
    # Parquet file's as Python does (``'a\\b'``)
    json: bool = False
    # A table's label column (as its header names it; "": none), how many rows give a
    # label cell and how many of those are empty; when all are, the columns that hold
    # values. Such a column is refused unless ``empty_labels_ok`` (:mod:`.empty_labels`)
    label_column: str = ""
    label_rows: int = 0
    empty_labels: int = 0
    filled_columns: list[str] = field(default_factory=list)
    empty_labels_ok: bool = False
    # No image held a label the empty ones could take away (``new`` over another tool's
    # export of images not labeled yet): the summary says they stay unlabeled
    nothing_to_unlabel: bool = False
    # ``new`` over another tool's export (its folders a layout): images whose folder
    # label was dropped and that the file labels not at all, left unlabeled (the summary
    # says so; they were counted nowhere, only in the "N labeled" line)
    folder_labels_dropped: int = 0
    # How the file's columns were chosen, when that needs saying (a column named with
    # --path-column beside another of its name in other case), for the summary
    column_notes: list[str] = field(default_factory=list)

    def __iter__(self) -> Iterator[LabelRow]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def quoted(self, text: str) -> str:
        """A path or label of this file, in a message (:func:`.json_shown.quoted`)."""
        return quoted(text, self.json)

    def describe(self, problems: Sequence[tuple[int, str]]) -> list[str]:
        """``problems`` sorted by line, as "line 3: ..." texts."""
        return [f"{self.unit} {n}: {text}" for n, text in sorted(problems, key=lambda p: p[0])]

    def check(self) -> None:
        """Raise :class:`LabelFileError` now if any row is bad (before a long scan, say)."""
        if self.problems:
            raise LabelFileError(self.source, self.describe(self.problems))


def read_label_file(path: Path | str, columns: Columns = USUAL_COLUMNS) -> LabelFile:
    """Parse a CSV or JSON label file (``columns``: its own names for the path, label and
    split columns, when they are not the usual ones).

    Raises :class:`LabelFileError` when the file as a whole cannot be read (missing,
    empty, binary, not UTF-8, malformed CSV or JSON); problems of single rows are kept in
    :attr:`LabelFile.problems` for :func:`apply_label_rows` (or :meth:`LabelFile.check`).
    A CSV or JSON lines file is checked whole as text first, then read row by row into a
    :class:`.label_rows.RowTable` (a JSON document entry by entry from its text): a big
    file is never held as a list of rows, nor parsed whole.
    """
    path = Path(path)
    source = str(path)
    data = read_label_bytes(path)
    text = decode(data, source)
    del data
    suffix = path.suffix.lower()
    if suffix == ".json" or (
        suffix not in (".jsonl", ".ndjson") and text.lstrip().startswith(("{", "["))
    ):
        rows = _checked(parse_json(text, source, columns), source)
        rows.read_as = "JSON"
        return rows
    head, text = (None if suffix in (".jsonl", ".ndjson") else csv_head(text)), ""
    try:
        with open(path, encoding="utf-8-sig", newline="") as stream:
            if head is None:
                parsed = parse_json_lines("", source, columns, stream=stream)
                return _checked(parsed, source, "JSON lines")
            return _checked(parse_csv(head, source, columns, stream=stream), source)
    except (OSError, UnicodeDecodeError):  # (it was whole text a moment ago)
        raise LabelFileError(source, ["the file changed while it was read; try again"]) from None


def checked_rows(parsed: Parsed, source: str) -> LabelFile:
    """The rows of records another format's reader parsed (Parquet, Hugging Face
    metadata), each checked like a CSV row: label a valid class name, a known split."""
    return _checked(parsed, source)


def _checked(parsed: Parsed, source: str, read_as: str = "") -> LabelFile:
    """The rows of ``parsed`` (its records read once, as they come: a stream's)."""
    rows = RowTable()
    problems: list[tuple[int, str]] = []
    refused: list[tuple[int, str]] = []
    names: dict[str, tuple[str | None, str | None]] = {}  # a label file repeats its classes
    statuses = StatusColumn(parsed.unit)
    label_rows = empty_labels = 0
    for record in parsed.records:
        label = record.label
        if label is not KEEP_LABEL:  # (inline: a million rows are counted)
            label_rows += 1
            if label is None or label == "" or (label.__class__ is str and label[0].isspace()):
                empty_labels += is_empty_label(label)
        status = statuses.word(record)
        row, found = _row(record, names, parsed.json)
        if row is not None:
            if status:
                row = row._replace(status=status, verified_label=bound_label(record, status))
            rows.append(row)
        else:
            refused.extend(refused_path(record))
        if found:
            spans = f" (the row spans lines {record.line}-{record.last_line})"
            suffix = spans if record.last_line > record.line else ""
            problems.extend((record.line, p + suffix) for p in found)
    if statuses.note:  # (no status of the file counts, not even those before it)
        rows.clear_statuses()
    result = LabelFile(
        source,
        rows,
        [*parsed.problems, *problems],
        parsed.unit,
        refused=[*parsed.refused, *refused],
    )
    relabeled = "" if statuses.note else statuses.relabeled_note()
    notes = (parsed.status_note or statuses.note, relabeled)
    result.status_note = "; ".join(note for note in notes if note)
    result.read_as = read_as
    result.json = parsed.json
    result.label_column, result.label_rows = parsed.label_column, label_rows
    result.empty_labels = empty_labels
    result.column_notes = parsed.column_notes
    if parsed.filled is not None and no_label_in(result):
        result.filled_columns = parsed.filled.names_filled()
    return result


def _row(
    record: Record, names: dict[str, tuple[str | None, str | None]], as_json: bool = False
) -> tuple[LabelRow | None, list[str]]:
    """A valid row, or what is wrong with it (every problem, not just the first).
    ``names`` remembers each label text's (class name, problem); ``as_json``: the record
    was read from JSON (its split shown so)."""
    problems: list[str] = []
    path, label, split = record.path, record.label, record.split
    if not isinstance(path, str):
        problems.append("the path must be text")
    elif not path.strip():
        problems.append("the path is empty")
    elif (odd := not_unicode(path)) is not None:  # no image's path holds it: SQLite cannot
        problems.append(f"the path holds {odd!r}, {NOT_UNICODE}")
    name: str | None = None
    keep = label is KEEP_LABEL  # a split-only row: no label to check
    if keep:
        pass
    elif label is not None and not isinstance(label, str):
        problems.append(f"the label {json_shown(label)} must be text (or empty for unlabeled)")
    elif label and label.strip() == "-":  # `labeldesk label P PATH -` removes a label
        problems.append(
            "'-' is not a class: to remove the image's label in a labels file, leave its "
            "label empty ('-' removes a label only as `labeldesk label`'s LABEL)"
        )
    elif label and label.strip():
        if label not in names:
            try:
                names[label] = (validate_class_name(label), None)
            except (LabelDeskError, ValueError) as exc:
                names[label] = (None, str(exc))
        name, problem = names[label]
        if problem is not None:
            problems.append(problem)
    split_name: str | None = None
    if split is not None and not isinstance(split, str):
        problems.append(f"the split {json_shown(split)} must be text")
    elif split and split.strip():
        split_name = SPLIT_FOLDERS.get(split.strip().lower())
        if split_name is None:
            problems.append(f"unknown split {quoted(split, as_json)} (use train, val or test)")
    if problems:
        return None, problems
    assert isinstance(path, str)
    return LabelRow(path, name, split_name, record.line, keep), []
