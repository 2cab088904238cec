"""Reading a Hugging Face ``imagefolder``'s metadata: ``metadata.jsonl``, ``metadata.csv``
or ``metadata.parquet`` with ``file_name`` and a label column.

A metadata file's ``file_name`` is relative to the folder the file is in, as datasets
reads it. Given the dataset's folder, LabelDesk reads the metadata at its root and in
each folder one level down (``train/``, ``validation/``, …), and the rows' paths become
relative to that folder (``train/cat/a.jpg``), the image root of a project made from it.
Given one metadata file, the dataset's folder is the one holding it, or the one above
when that is a split folder. A split folder gives its rows their split unless a
``split`` column says otherwise. A folder datasets reads as a split that LabelDesk does
not (``dev/``, ``eval/``; :data:`~labeldesk.core.layout.UNREAD_SPLIT_FOLDERS`) gives none:
its rows without a ``split`` are bad rows saying what to rename it to, not rows that
silently lose their split.

Like datasets, a ``file_name`` that is absolute, climbs out with ``..`` or is a URL is
refused (row by row, with the reason).

In a LabelDesk export (its manifest beside the metadata) the files are copies of the
project's images at ``<split>/<class>/<file name>``, paths no other project has: each
row names its image by the bytes of the file it names, as the export's class folders
do when read without the metadata (:mod:`.folder_labels`), so the export reads back
into any project of those pictures, not only into the one it came from.
"""

from __future__ import annotations

import json
import os
import posixpath
from dataclasses import replace
from pathlib import Path

from labeldesk.core.empty_labels import has_value, no_label_in
from labeldesk.core.errors import LabelFileError
from labeldesk.core.file_kinds import is_present
from labeldesk.core.json_shown import quoted
from labeldesk.core.label_bytes import decode, read_label_bytes
from labeldesk.core.label_file_formats import LABEL_COLUMNS, parse_csv, text_lines
from labeldesk.core.label_files import LabelFile, LabelRow, checked_rows
from labeldesk.core.label_json import parse_json_lines
from labeldesk.core.layout import SPLIT_FOLDERS, UNREAD_SPLIT_FOLDERS, unread_split_advice

from ..export_target import export_manifest
from .base import ImportOptions
from .manifest_table import columns_of

METADATA_NAMES = ("metadata.jsonl", "metadata.csv", "metadata.parquet")
FILE_NAME = "file_name"


def sniff_metadata(path: Path) -> bool:
    """A metadata file by its name, or a folder that holds one (at its root or one level
    down)."""
    if path.is_file():
        return path.name in METADATA_NAMES
    return path.is_dir() and bool(_find(path))


def _find(folder: Path) -> list[Path]:
    """The metadata files of a dataset folder: its own, then its subfolders' (by name)."""
    try:
        subfolders = sorted(
            p for p in folder.iterdir() if p.is_dir() and not p.name.startswith((".", "__"))
        )
    except OSError:
        return []
    folders = (folder, *subfolders)
    return [d / name for d in folders for name in METADATA_NAMES if is_present(d / name)]


def read_metadata(path: Path, options: ImportOptions) -> LabelFile:
    """Rows of every metadata file of ``path`` (a dataset folder or one metadata file),
    with paths relative to the dataset's folder (see the module's docstring)."""
    if path.is_file():
        if path.name not in METADATA_NAMES:
            raise LabelFileError(str(path), [f"not a metadata file ({', '.join(METADATA_NAMES)})"])
        folder = path.parent
        in_split = (
            folder.name.lower() in SPLIT_FOLDERS or folder.name.lower() in UNREAD_SPLIT_FOLDERS
        )
        root = folder.parent if in_split else folder
        files = [path]
    else:
        root, files = path, _find(path) if path.is_dir() else []
        if not files:
            raise LabelFileError(
                str(path),
                [
                    f"no {', '.join(METADATA_NAMES)} here or in its folders (a Hugging Face "
                    "imagefolder without one, as LabelDesk's hf export, takes its labels "
                    "from its class folders: read it with --format imagefolder, or leave "
                    "--format out)"
                ],
            )
    _one_per_folder(files)
    if len(files) == 1:
        found = _read_one(files[0], options)
        place = files[0].parent.relative_to(root).as_posix()
        rows, problems, refused = _placed(found, "" if place == "." else place, files[0].parent)
        # (the file's other findings kept: its quoting, its label column's empty cells)
        placed = replace(found, source=str(path), rows=rows, problems=problems, refused=refused)
        return _by_content(placed, root)
    return _by_content(_several(root, files, options), root)


def _by_content(rows: LabelFile, root: Path) -> LabelFile:
    """In a LabelDesk export, rows name their images by their files' bytes (see the
    module's docstring), else by the file name when no image has them (a re-encoded
    copy); elsewhere (a dataset of another tool, read in a project made from its own
    folder, say) by their paths, as written: hashing every file would cost minutes."""
    if export_manifest(root) is None:
        return rows

    def file_of(rel: str) -> str:
        inside = not (rel.startswith("../") or rel == ".." or posixpath.isabs(rel))
        return str(root / rel) if inside and _is_file(root, rel) else ""

    rows.content_files = [file_of(row.path) for row in rows.rows]
    rows.fallback_paths = [posixpath.basename(row.path) for row in rows.rows]
    rows.refused_content = [f for _, rel in rows.refused if (f := file_of(rel))]
    return rows


def _several(root: Path, files: list[Path], options: ImportOptions) -> LabelFile:
    """The rows of several metadata files, numbered on from file to file ("row N"), so
    that a row's number names one row (a bad row skipped never takes another file's row
    of the same line with it); a problem names its file and line there too."""
    combined = LabelFile(str(root), [], [], "row")
    offset = 0
    found_all = [_read_one(file, options) for file in files]
    _label_columns(combined, found_all)
    for file, found in zip(files, found_all, strict=True):
        place = file.parent.relative_to(root).as_posix()
        rows, problems, refused = _placed(found, "" if place == "." else place, file.parent)
        combined.rows.extend(row._replace(line=row.line + offset) for row in rows)
        combined.refused.extend((line + offset, named) for line, named in refused)
        shown = f"{place}/{file.name}".removeprefix("./")
        if found.status_note:
            note = f"in {shown}, {found.status_note}"
            combined.status_note = "; ".join(filter(None, [combined.status_note, note]))
        combined.problems.extend(
            (line + offset, f"{shown} {found.unit} {line}: {text}") for line, text in problems
        )
        lines = [row.line for row in rows] + [line for line, _ in problems + refused]
        offset += max([*lines, 0])
    return combined


def _label_columns(combined: LabelFile, found_all: list[LabelFile]) -> None:
    """What ``combined`` says of its files' label columns: quoted as JSON when every file
    is JSON lines, and counted together, so that a label column empty in every row of
    every file is refused (:mod:`labeldesk.core.empty_labels`) as one file's is."""
    combined.json = all(found.json for found in found_all)
    combined.label_column = next((f.label_column for f in found_all if f.label_column), "")
    combined.label_rows = sum(found.label_rows for found in found_all)
    combined.empty_labels = sum(found.empty_labels for found in found_all)
    filled = (name for found in found_all for name in found.filled_columns)
    combined.filled_columns = list(dict.fromkeys(filled))
    notes = (note for found in found_all for note in found.column_notes)
    combined.column_notes = list(dict.fromkeys(notes))


def _one_per_folder(files: list[Path]) -> None:
    folders = [f.parent for f in files]
    for folder in dict.fromkeys(folders):
        here = [f.name for f in files if f.parent == folder]
        if len(here) > 1:
            raise LabelFileError(
                str(folder), [f"holds {' and '.join(here)}: datasets reads one; keep one of them"]
            )


def _read_one(file: Path, options: ImportOptions) -> LabelFile:
    columns = columns_of(options, path=FILE_NAME)
    if file.suffix == ".parquet":
        from .parquet import read_parquet_rows  # here: hf registers before parquet

        return read_parquet_rows(file, columns)
    source = str(file)
    text = decode(read_label_bytes(file), source)
    if file.suffix == ".csv":
        return checked_rows(parse_csv(text, source, columns), source)
    if columns.label is None:
        columns = columns._replace(label=_label_key(text, source))
    found = checked_rows(parse_json_lines(text, source, columns), source)
    found.label_column = columns.label or ""  # (a key of every row, as a table's column)
    if no_label_in(found):  # (read only then: which keys hold values, for the error)
        found.filled_columns = _filled_keys(text)
    return found


def _filled_keys(text: str) -> list[str]:
    """The keys of a JSON lines file with a value (not null, not blank text) in some
    object, in the order they are first met."""
    filled: dict[str, None] = {}
    for line in text_lines(text):
        try:
            item = json.loads(line) if line.strip() else None
        except (ValueError, RecursionError):
            continue  # (its problem is the parser's)
        if isinstance(item, dict):
            filled.update((str(k), None) for k, v in item.items() if has_value(v))
    return list(filled)


def _label_key(text: str, source: str) -> str:
    """The label key of a JSON lines file, by its usual names in the first object (a
    file without one is an error: every image would silently be unlabeled)."""
    first = next((line for line in text_lines(text) if line.strip()), "")
    try:
        keys = list(json.loads(first)) if first.lstrip().startswith("{") else []
    except (ValueError, RecursionError):  # ValueError: bad JSON, or a too long number
        keys = []  # its own line's problem is reported by the parser
    lowered = [str(key).strip().lower() for key in keys]
    found = next((name for name in LABEL_COLUMNS if name in lowered), None)
    if found is None and keys:
        shown = ", ".join(quoted(str(key), True) for key in keys[:20])
        raise LabelFileError(
            source, [f"line 1: no label key; name it with --label-column (keys: {shown})"]
        )
    return found or LABEL_COLUMNS[0]


Lines = list[tuple[int, str]]


def _is_file(folder: Path, name: str) -> bool:
    try:
        return (folder / name).is_file()
    except (OSError, ValueError):
        return False


def _placed(
    found: LabelFile, place: str, folder: Path | None = None
) -> tuple[list[LabelRow], Lines, Lines]:
    """Rows with paths relative to the dataset folder and the split of their folder, the
    problems (a hostile ``file_name`` becomes a problem of its row), and the bad rows'
    paths relative to the dataset folder too."""
    split = SPLIT_FOLDERS.get(posixpath.basename(place).lower()) if place else None
    unread = place and posixpath.basename(place).lower() in UNREAD_SPLIT_FOLDERS
    rows: list[LabelRow] = []
    problems = list(found.problems)
    refused = [(line, p) for line, named in found.refused if (p := _within(place, named, folder))]
    for row in found.rows:
        path = _within(place, row.path, folder)
        if path is None:
            problems.append(
                (
                    row.line,
                    f"file_name {found.quoted(row.path)} must be a path relative to its folder",
                )
            )
            continue
        if unread and not row.split:  # dev/metadata.jsonl: a split LabelDesk does not read
            advice = unread_split_advice(posixpath.basename(place))
            problems.append((row.line, f"{advice}, or give the row a split (else it gets none)"))
            refused.append((row.line, path))
            continue
        rows.append(row._replace(path=path, split=row.split or split))
    return rows, problems, refused


def _within(place: str, written: str, folder: Path | None = None) -> str | None:
    """``written`` (a ``file_name``) relative to the dataset folder; None when it is a
    URL or an absolute path. A backslash is a folder separator (a dataset written on
    Windows) unless ``folder``, the metadata file's, holds a file of that very name (a
    backslash is a file name's character here)."""
    name = written
    if "\\" in written and not (os.sep == "/" and folder is not None and _is_file(folder, written)):
        name = written.replace("\\", "/")
    if "://" in name or posixpath.isabs(name) or name[1:3] == ":/":
        return None
    tidy = posixpath.normpath(name)
    return f"{place}/{tidy}" if place else tidy
