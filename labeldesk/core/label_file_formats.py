"""Turning the bytes of a label file into records (line, path, label, split).

Only the shape of the file is judged here: whether it is text, CSV or JSON, and where each
record starts. A problem that makes the whole file unreadable raises
:class:`~labeldesk.core.errors.LabelFileError` at once; a problem with one record is
returned with that record's line (or JSON entry number), so every one can be listed.
JSON documents and JSON lines are read into records by :mod:`.label_json`; the file's bytes
are read and decoded by :mod:`.label_bytes`, and what the import says of its rows is in
:mod:`.label_notes`.
"""

from __future__ import annotations

import csv
import io
import itertools
import posixpath
import re
from collections.abc import Iterable, Iterator, Sequence, Sized
from dataclasses import dataclass, field
from typing import NamedTuple

from .display import not_unicode
from .empty_labels import FilledColumns
from .errors import LabelFileError
from .spreadsheet import restore

PATH_COLUMNS = ("path", "file", "filename", "file_name", "image", "image_path", "filepath")
LABEL_COLUMNS = ("label", "class", "category", "class_name", "target")
SPLIT_COLUMNS = ("split", "subset")
STATUS_COLUMNS = ("status",)  # verified / excluded: LabelDesk's own manifests write it
# the label a row's "verified" was given for: LabelDesk's exports write it (label_status)
VERIFIED_LABEL_COLUMNS = ("verified_label",)
TWO_STATUS_COLUMNS = "two columns are named status: neither is read, and no image's status changes"
NO_ROWS = "the file has no rows"  # a header alone, [], an empty table: nothing to apply
_LINE_END = re.compile(r"\r\n|\r|\n")


def text_lines(text: str) -> list[str]:
    """``text``'s lines, split at ``\\n``, ``\\r\\n`` and ``\\r`` only. ``str.splitlines``
    also splits at U+2028, U+2029, U+0085 and a few control characters, which JSON strings
    and class names may hold as they are: a JSON line, or a line of classes.txt, would be
    cut in two (and every later class number would name the wrong class)."""
    lines = _LINE_END.split(text)
    if lines[-1] == "":
        lines.pop()
    return lines


KEEP_LABEL = object()  # a record's label when it sets only the split (Label Studio: a task
# without an annotation): the image keeps its label
MAX_CELL_CHARS = 4096  # a path, label or split longer than this is not one (a hostile file)


class Columns(NamedTuple):
    """A manifest's own names for its path, label and split columns (a Kaggle
    ``train.csv`` with ``id,category``); None: find that column by its usual names."""

    path: str | None = None
    label: str | None = None
    split: str | None = None


USUAL_COLUMNS = Columns()  # every column found by its usual names


class Record(NamedTuple):  # a tuple: a million of them are made quickly
    """One row as written: cells are raw text (JSON values may be any type)."""

    line: int  # line where the CSV record starts, or the JSON entry number
    path: object
    label: object
    split: object
    last_line: int = 0  # CSV: the line where the record ends (a quoted newline spans lines)
    status: object = None  # a person's review (verified / excluded); None: not given
    verified_label: object = None  # the label "verified" holds for; None: the row's own


@dataclass
class Parsed:
    # a list, or (a file read as a stream) the records as they are read: iterate once
    records: list[Record] | Iterator[Record]
    problems: list[tuple[int, str]]  # (line or entry, what is wrong)
    unit: str  # "line" or "entry"
    # (line, path as written) of refused records that name a path: with bad rows skipped,
    # the image such a row names is left out too, whatever the file's other rows say
    refused: list[tuple[int, str]] = field(default_factory=list)
    # Why a status column there is was not read (two of them, say), or ""
    status_note: str = ""
    # read from JSON: its paths and labels are shown in messages as JSON writes them
    json: bool = False
    # a table's label column, as its header names it ("": none, or no header), and which
    # of its columns hold values (:mod:`.empty_labels`)
    label_column: str = ""
    filled: FilledColumns | None = None
    # how its columns were chosen, when that needs saying (:func:`find_columns`)
    column_notes: list[str] = field(default_factory=list)


def undo_neutralising(cell: str) -> str:
    """``'=x`` back to ``=x``: LabelDesk's CSV export (like OWASP advises) prefixes a quote
    to cells a spreadsheet would run as a formula (see :mod:`labeldesk.core.spreadsheet`)."""
    return restore(cell)


def refuse_no_rows(source: str, *parts: Sized) -> None:
    """A label file whose ``parts`` (rows, bad rows …) are all empty (a CSV cut down to its
    header, ``[]``, an empty Parquet table) is refused as an empty file is: "0 labels
    applied" and success would let a truncated file go unnoticed."""
    if not any(parts):
        raise LabelFileError(source, [NO_ROWS])


def csv_head(text: str) -> str:
    """The start of ``text`` that :func:`parse_csv` needs when it reads a ``stream`` of
    the same text: up to the end of its first line."""
    body = text.lstrip("\r\n")
    end = body.find("\n")
    return text if end < 0 else text[: len(text) - len(body) + end + 1]


def parse_csv(
    text: str,
    source: str,
    columns: Columns = USUAL_COLUMNS,
    *,
    stream: Iterable[str] | None = None,
) -> Parsed:
    """Records of a CSV file, with or without a header; quoted fields may span lines.
    Commas separate cells, or semicolons or tabs when the first line has no comma (as
    spreadsheets in many languages and TSV files write). With ``columns`` naming any
    column, the first line must be a header that has it.

    ``stream``: the same text as lines with their ends (a file opened with
    ``newline=""``), read instead of ``text``, which need then hold only its start
    (:func:`csv_head`): a big file is never held whole. The records are read as
    ``Parsed.records`` is iterated (once), which adds the problems of bad rows to
    ``Parsed.problems``; a CSV error there ends the file (:class:`LabelFileError`)."""
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = next((d for d in (",", "\t", ";") if d in first_line), ",")
    lines: Iterable[str] = io.StringIO(text, newline="") if stream is None else stream
    records = _csv_records(lines, source, delimiter)
    # blank lines before the header (as some tools write) are not its first row
    started = next((r for r in records if "".join(r[2]).strip()), None)
    if started is None:
        raise LabelFileError(source, [NO_ROWS])
    first, at = started[2], f"line {started[0]}: "
    header = [cell.strip().lower() for cell in first]
    path_col = _find(header, PATH_COLUMNS)
    label_col = _find(header, LABEL_COLUMNS)
    split_col = _find(header, SPLIT_COLUMNS)
    status_col = _find(header, STATUS_COLUMNS)  # (only in a header: not path,label,split)
    bound_col = _find(header, VERIFIED_LABEL_COLUMNS)
    status_note = ""
    if status_col is not None and header.count(header[status_col]) > 1:
        status_col = None  # which of the two is meant cannot be told: not read
        status_note = TWO_STATUS_COLUMNS
    has_header = True
    notes: list[str] = []
    if any(columns):
        path_col, label_col, split_col = find_columns(first, columns, source, at, notes)
    elif path_col is None or label_col is None:
        if path_col is not None or label_col is not None:
            raise LabelFileError(
                source,
                [f"{at}the header needs a path column and a label column (path,label), "
                 f"or name them with --path-column and --label-column; {_named(first)}"],
            )  # fmt: skip
        # no header: path,label[,split]
        path_col, label_col, split_col, status_col, bound_col = 0, 1, 2, None, None
        has_header = False
    if has_header and not any(columns):  # (named columns are found exactly)
        _check_unique(first, (path_col, label_col, split_col), source, at)
    if status_col in (path_col, label_col, split_col):  # named as the label, say
        status_col = None
    if status_col is None or bound_col in (path_col, label_col, split_col):
        bound_col = None
    body = records if has_header else itertools.chain([started], records)
    parsed = Parsed([], [], "line", status_note=status_note, column_notes=notes)
    if has_header:
        parsed.label_column = first[label_col].strip()
        parsed.filled = FilledColumns(first, label_col)
    width = len(first) if has_header else None
    cols = _Cols(path_col, label_col, split_col, status_col, width, bound_col)
    parsed.records = _csv_body(parsed, body, cols, delimiter)
    return parsed


class _Cols(NamedTuple):
    path: int
    label: int
    split: int | None
    status: int | None
    width: int | None  # the header's (None: no header, cells past split unread)
    verified_label: int | None = None


def _csv_body(
    parsed: Parsed, body: Iterable[tuple[int, int, list[str]]], cols: _Cols, delimiter: str
) -> Iterator[Record]:
    """The good records of ``body``; the problems of the others go to ``parsed``."""
    needed = max(cols.path, cols.label) + 1
    split_col, status_col, width = cols.split, cols.status, cols.width
    filled = parsed.filled  # (None once a label is seen: then no column needs naming)
    for line, last, cells in body:
        if not "".join(cells).strip():
            continue  # blank line
        if filled is not None and filled.see(cells):
            filled = None
        if len(cells) < needed:
            found = f"{len(cells)} column{'s' if len(cells) != 1 else ''}"
            parsed.problems.append((line, f"expected at least {needed} columns, found {found}"))
            continue
        cells = [undo_neutralising(cell) if cell[:1] == "'" else cell for cell in cells]
        split = cells[split_col] if split_col is not None and split_col < len(cells) else ""
        status = cells[status_col] if status_col is not None and status_col < len(cells) else ""
        bound = cols.verified_label
        given = cells[bound] if bound is not None and bound < len(cells) else None
        record = Record(line, cells[cols.path], cells[cols.label], split, last, status, given)
        if admit(parsed, record, _extra_cells(cells, width, delimiter), keep=False):
            yield record


def _extra_cells(cells: list[str], width: int | None, delimiter: str) -> list[str]:
    """A problem when a row has more filled cells than the header has columns: a cell
    that holds the separator unquoted (``a.png,1,0`` for the label ``1,0``) would else
    lose its end without a word. Empty cells past the end (a spreadsheet's trailing
    commas) are fine, and so is anything past ``path,label,split`` without a header."""
    if width is None or not any(cell.strip() for cell in cells[width:]):
        return []
    sep = {",": "comma", "\t": "tab", ";": "semicolon"}[delimiter]
    return [
        f"expected {width} columns, found {len(cells)}: a cell that holds a {sep} needs "
        f"quotes around it"
    ]


def _check_unique(header: list[str], used: tuple[int | None, ...], source: str, where: str) -> None:
    """Refuse a header that names a column it reads twice (``path,label,label``, or
    ``path,PATH,label``, names that differ only in case): which of the two was meant
    cannot be told."""
    for at, role in zip(used, ("path", "label", "split"), strict=False):
        if at is not None and case_twins(header, at):
            raise LabelFileError(source, [f"{where}{case_twins_problem(header, at, role)}"])
    names = [cell.strip().lower() for cell in header]
    twice = [header[i].strip() for i in used if i is not None and names.count(names[i]) > 1]
    if twice:
        raise LabelFileError(
            source, [f"{where}the header names the column {twice[0]!r} more than once"]
        )


def _find(header: list[str], names: tuple[str, ...]) -> int | None:
    return next((header.index(name) for name in names if name in header), None)


def find_columns(
    names: list[str],
    columns: Columns,
    source: str,
    where: str = "",
    notes: list[str] | None = None,
) -> tuple[int, int, int | None]:
    """Positions of the path, label and split columns among a header's ``names``: those
    ``columns`` names (exactly, else ignoring case and outer spaces), the others by their
    usual names. A named column that is missing, or no path or label column, is an error
    of the whole file that lists the columns there are (``where``: "line 1: ").

    Columns whose names differ only in case (``path`` and ``PATH``): a column named
    exactly as one is written is that one, said in ``notes``; else which one is meant
    cannot be told, and the file is refused naming both."""
    plain = [name.strip() for name in names]
    lowered = [name.lower() for name in plain]

    def named(name: str) -> int | None:
        if name in names:
            return names.index(name)
        wanted = name.strip().lower()
        return lowered.index(wanted) if wanted in lowered else None

    missing = [name for name in columns if name is not None and named(name) is None]
    if missing:
        raise LabelFileError(
            source,
            [f"{where}no column {' or '.join(repr(m) for m in missing)}; {_named(names)}"],
        )
    chosen: list[int | None] = []
    for role, name, usual in (
        ("path", columns.path, PATH_COLUMNS),
        ("label", columns.label, LABEL_COLUMNS),
        ("split", columns.split, SPLIT_COLUMNS),
    ):
        at = named(name) if name else _find(lowered, usual)
        twins = [] if at is None else case_twins(names, at)
        if twins and name is not None and name in names:  # named exactly as written
            if notes is not None:
                notes.append(_exact_note(role, name, twins))
        elif twins and at is not None:
            raise LabelFileError(source, [f"{where}{case_twins_problem(names, at, role)}"])
        chosen.append(at)
    path, label, split = chosen
    for found, role in ((path, "path"), (label, "label")):
        if found is None:
            raise LabelFileError(
                source,
                [f"{where}no {role} column: name it with --{role}-column; {_named(names)}"],
            )
    assert path is not None and label is not None
    return path, label, split


def case_twins(names: Sequence[str], at: int) -> list[str]:
    """The other spellings among ``names`` of column ``at``'s name, that differ from it
    only in case (or outer spaces): ``PATH`` beside ``path``."""
    own = names[at].strip()
    return list(
        dict.fromkeys(
            n.strip() for n in names if n.strip() != own and n.strip().lower() == own.lower()
        )
    )


def case_twins_problem(names: Sequence[str], at: int, role: str) -> str:
    """Why a table whose column ``at`` (the ``role`` column) has a case twin is refused."""
    shown = " and ".join(repr(n[:60]) for n in [names[at].strip(), *case_twins(names, at)])
    return (
        f"the columns {shown} differ only in case: which one holds the {role}s is not "
        f"clear (name it with --{role}-column, exactly as it is written)"
    )


def _exact_note(role: str, name: str, twins: list[str]) -> str:
    others = " and ".join(repr(n[:60]) for n in twins)
    return (
        f"--{role}-column {name}: read the column {name!r}, named exactly so, not {others} "
        "(their names differ only in case)"
    )


def _named(names: list[str]) -> str:
    """``the columns are 'id', 'category'`` (the first 20), for an error message."""
    shown = ", ".join(repr(name[:60]) for name in names[:20])
    more = f" and {len(names) - 20} more" if len(names) > 20 else ""
    return f"the columns are {shown}{more}" if names else "there are no columns"


def cell_problems(record: Record) -> list[str]:
    """What makes a record hostile rather than merely wrong: a cell longer than
    :data:`MAX_CELL_CHARS`, or a path that climbs out of the folder with ``..``."""
    problems = [
        f"the {role} is {len(value):,} characters long (at most {MAX_CELL_CHARS:,})"
        for role, value in (
            ("path", record.path),
            ("label", record.label),
            ("split", record.split),
            ("status", record.status),
        )
        if isinstance(value, str) and len(value) > MAX_CELL_CHARS
    ]
    if not problems and isinstance(record.path, str) and leaves_folder(record.path):
        problems.append(f"the path {record.path!r} leads out of the folder ('..')")
    return problems


def admit(parsed: Parsed, record: Record, problems: Sequence[str] = (), keep: bool = True) -> bool:
    """``record`` into ``parsed.records`` (a list; ``keep`` False: the caller keeps it),
    or, when it is hostile (:func:`cell_problems`) or ``problems`` says what else is
    wrong, its problems into ``parsed.problems`` and its path into ``parsed.refused``.
    Whether it was admitted."""
    refused = [*cell_problems(record), *problems]
    if refused:
        parsed.problems.extend((record.line, problem) for problem in refused)
        parsed.refused.extend(refused_path(record))
        return False
    if keep:
        assert isinstance(parsed.records, list)
        parsed.records.append(record)
    return True


def refused_path(record: Record) -> list[tuple[int, str]]:
    """[(line, path)] of a refused record whose path could name an image, else []."""
    path = record.path
    if not isinstance(path, str) or not path.strip() or "\x00" in path or not_unicode(path):
        return []
    return [(record.line, path)] if len(path) <= MAX_CELL_CHARS else []


def leaves_folder(path: str) -> bool:
    """Whether a relative ``path`` climbs above where it starts (``../x``, ``a/../../x``),
    outer spaces aside (``" ../x"`` is ``../x`` to every matcher)."""
    tidy = posixpath.normpath(path.strip().replace("\\", "/"))
    return tidy == ".." or tidy.startswith("../")


def _csv_records(
    lines: Iterable[str], source: str, delimiter: str
) -> Iterator[tuple[int, int, list[str]]]:
    """(first line, last line, cells) of every record; a CSV error ends the file."""
    reader = csv.reader(lines, delimiter=delimiter)
    start = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            reason = str(exc)
            if "field limit" in reason:
                reason = (
                    f"a field is longer than {csv.field_size_limit():,} characters "
                    "(an unclosed quote, or not a label file?)"
                )
            raise LabelFileError(source, [f"line {start}: {reason}"]) from None
        yield start, reader.line_num, cells
        start = reader.line_num + 1
