"""Reading label files (CSV or JSON) and applying them to a project, all or nothing.

CSV: a header with a path column (``path``/``file``/``filename``/``image``) and a label
column (``label``/``class``/``category``), optionally ``split``; without a header the
columns are path,label[,split]. JSON: ``{"path": "label", ...}`` or a list of objects with
``path``, ``label`` and optionally ``split``. An empty label means "unlabeled".
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from .errors import LabelFileError, UnknownClassError, UnknownPathError
from .layout import SPLIT_FOLDERS

if TYPE_CHECKING:
    from .project import Project

PATH_COLUMNS = ("path", "file", "filename", "file_name", "image", "image_path", "filepath")
LABEL_COLUMNS = ("label", "class", "category", "class_name", "target")


@dataclass(frozen=True)
class LabelRow:
    path: str
    label: str | None
    split: str | None
    line: int


def read_label_file(path: Path) -> list[LabelRow]:
    """Parse a CSV or JSON label file; raise :class:`LabelFileError` listing every bad row."""
    if not path.is_file():
        raise LabelFileError(str(path), ["file not found"])
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise LabelFileError(str(path), [f"cannot read: {exc}"]) from exc
    if path.suffix.lower() in (".json", ".jsonl") or text.lstrip().startswith(("{", "[")):
        rows, problems = _parse_json(text)
    else:
        rows, problems = _parse_csv(text)
    problems += _conflicts(rows)
    if problems:
        raise LabelFileError(str(path), problems)
    return rows


def _parse_csv(text: str) -> tuple[list[LabelRow], list[str]]:
    records = list(csv.reader(text.splitlines()))
    if not records:
        return [], ["file is empty"]
    header = [h.strip().lower() for h in records[0]]
    path_col = next((header.index(c) for c in PATH_COLUMNS if c in header), None)
    label_col = next((header.index(c) for c in LABEL_COLUMNS if c in header), None)
    split_col = header.index("split") if "split" in header else None
    start = 2
    if path_col is None or label_col is None:
        if any(h in header for h in PATH_COLUMNS + LABEL_COLUMNS):
            return [], ["header needs a path column and a label column (e.g. path,label)"]
        path_col, label_col, split_col, start = 0, 1, 2 if len(records[0]) > 2 else None, 1
        records = [[], *records]  # no header: keep line numbers right
    rows: list[LabelRow] = []
    problems: list[str] = []
    needed = max(c for c in (path_col, label_col, split_col) if c is not None) + 1
    for line, record in enumerate(records[1:], start=start):
        if not record or all(not cell.strip() for cell in record):
            continue
        if len(record) < needed:
            problems.append(f"line {line}: expected {needed} columns, found {len(record)}")
            continue
        split = record[split_col].strip() if split_col is not None else ""
        _add(rows, problems, line, record[path_col], record[label_col], split)
    return rows, problems


def _parse_json(text: str) -> tuple[list[LabelRow], list[str]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return [], [f"not valid JSON: {exc}"]
    rows: list[LabelRow] = []
    problems: list[str] = []
    if isinstance(data, dict):
        for n, (path, label) in enumerate(data.items(), start=1):
            if label is not None and not isinstance(label, str):
                problems.append(f"entry {n} ({path}): label must be a string or null")
                continue
            _add(rows, problems, n, path, label or "", "")
    elif isinstance(data, list):
        for n, item in enumerate(data, start=1):
            if not isinstance(item, dict) or "path" not in item:
                problems.append(f"entry {n}: expected an object with 'path' and 'label'")
                continue
            label = item.get("label")
            if label is not None and not isinstance(label, str):
                problems.append(f"entry {n}: label must be a string or null")
                continue
            _add(rows, problems, n, str(item["path"]), label or "", str(item.get("split") or ""))
    else:
        problems.append("expected a JSON object {path: label} or a list of {path, label}")
    return rows, problems


def _add(
    rows: list[LabelRow], problems: list[str], line: int, path: str, label: str, split: str
) -> None:
    path = path.strip().replace("\\", "/")
    if not path:
        problems.append(f"line {line}: empty path")
        return
    split_name = SPLIT_FOLDERS.get(split.lower()) if split else None
    if split and split_name is None:
        problems.append(f"line {line}: unknown split {split!r} (use train, val or test)")
        return
    if "/" in label.strip() or "\\" in label.strip():
        problems.append(f"line {line}: label {label!r} contains a slash")
        return
    rows.append(LabelRow(path, label.strip() or None, split_name, line))


def _conflicts(rows: list[LabelRow]) -> list[str]:
    first: dict[str, LabelRow] = {}
    problems = []
    for row in rows:
        seen = first.setdefault(row.path, row)
        if seen is not row and (seen.label, seen.split) != (row.label, row.split):
            problems.append(
                f"line {row.line}: {row.path} already given as {seen.label!r} on line {seen.line}"
            )
    return problems


def normalise_path(project: Project, path: str) -> str:
    """A path as the project stores it: relative to the image root, ``/`` separators."""
    candidate = Path(path)
    if candidate.is_absolute():
        try:
            return candidate.resolve().relative_to(project.root).as_posix()
        except ValueError:
            return path
    parts = PurePosixPath(path).parts
    return PurePosixPath(*parts).as_posix() if parts else path


def apply_label_rows(
    project: Project,
    rows: list[LabelRow],
    *,
    source: str = "human",
    create_classes: bool = False,
    description: str = "",
) -> int:
    """Apply parsed rows as one batch. Every path and class is checked first; on any
    problem nothing is applied. Returns the number of rows applied."""
    labels = {normalise_path(project, r.path): r.label for r in rows}
    splits = {normalise_path(project, r.path): r.split for r in rows if r.split}
    unknown = [p for p in labels if p not in _known(project, labels)]
    if unknown:
        raise UnknownPathError(unknown)
    if not create_classes:
        missing = sorted({lab for lab in labels.values() if lab} - set(project.classes()))
        if missing:
            raise UnknownClassError(
                f"unknown class(es): {', '.join(missing)}; add them first or allow new classes"
            )
    with project.db.write():  # one transaction: splits and labels land together or not at all
        if splits:
            project.set_splits(splits)
        project.set_labels(
            labels,
            source=source,
            create_classes=create_classes,
            description=description or f"{len(labels)} labels from file",
        )
    return len(labels)


def _known(project: Project, labels: dict[str, str | None]) -> set[str]:
    try:
        return set(project.ids_for(labels))
    except UnknownPathError as exc:
        return set(labels) - set(exc.paths)
