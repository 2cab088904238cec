"""Reading labels made by other tools: one importer per format, in a registry.

An importer turns a file (or folder) into a :class:`~labeldesk.core.label_files.LabelFile`:
the usable rows (path as written, label, split, line) and every problem of a single row
with its line or entry number. Applying them — matching paths to the project's images,
checking classes, refusing conflicts, all or nothing — is the same for every format
(:func:`labeldesk.core.label_files.apply_label_rows`), so a new format is one module with
a ``sniff`` (is this file mine?) and a ``read``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from labeldesk.core.errors import LabelDeskError
from labeldesk.core.label_files import LabelFile
from labeldesk.core.registry import Registry

# What a folder import may read its labels from (a Hugging Face or FiftyOne dataset's
# metadata files, at the top or one level down): what source_state looks at
_LABEL_SUFFIXES = (".csv", ".tsv", ".txt", ".json", ".jsonl", ".ndjson", ".parquet")
_STATE_ENTRIES = 2000  # a folder's entries looked at per level, at most


def source_state(path: Path) -> tuple[object, ...]:
    """A cheap fingerprint of a label source: a file's (size, mtime_ns); for a folder,
    those of the label files in it and one level down (at most a few thousand entries
    each, so a folder of a million images costs little). Rows read under another
    fingerprint were read from another version of the file."""

    def stat(entry: os.DirEntry[str] | Path) -> tuple[int, int]:
        st = entry.stat()
        return (st.st_size, st.st_mtime_ns)

    try:
        if not path.is_dir():
            return (path.name, *stat(path))
        out: list[tuple[object, ...]] = []
        for folder in (path, *_subfolders(path)):
            with os.scandir(folder) as entries:
                for n, entry in enumerate(entries):
                    if n >= _STATE_ENTRIES:
                        break
                    if entry.name.lower().endswith(_LABEL_SUFFIXES) and entry.is_file():
                        out.append((entry.path, *stat(entry)))
        return tuple(sorted(out))
    except OSError as exc:
        return ("unreadable", exc.errno)


def _subfolders(path: Path) -> list[str]:
    with os.scandir(path) as entries:
        return [
            e.path
            for n, e in enumerate(entries)
            if n < _STATE_ENTRIES and e.is_dir(follow_symlinks=False)
        ]


@dataclass(frozen=True)
class ImportOptions:
    """How to read a file. Column names map a manifest's own columns (e.g. a Kaggle
    ``train.csv`` with ``id,category``); None means "find it by its usual names"."""

    path_column: str | None = None
    label_column: str | None = None
    split_column: str | None = None
    predictions: bool = False  # Label Studio: read the model's predictions, not annotations


@dataclass(frozen=True)
class Importer:
    """``sniff(path)``: whether ``path`` looks like this format (cheap: a name, a header,
    the first bytes); ``read(path, options)``: its rows and the problems of single rows.
    ``read`` raises :class:`~labeldesk.core.errors.LabelFileError` when the file as a
    whole cannot be read."""

    name: str
    description: str
    sniff: Callable[[Path], bool]
    read: Callable[[Path, ImportOptions], LabelFile]


IMPORTERS: Registry[Importer] = Registry("label format")


def register_importer(importer: Importer) -> Importer:
    IMPORTERS.register(importer.name)(importer)
    return importer


def detect_format(path: Path | str) -> str:
    """The name of the first importer that recognises ``path``; a clear error when none
    does (naming the formats tried and ``--labels-format``)."""
    path = Path(path)
    if not path.exists():
        raise LabelDeskError(f"{path}: file not found")
    for name in IMPORTERS:
        if IMPORTERS[name].sniff(path):
            return name
    raise LabelDeskError(
        f"{path}: not a label file LabelDesk recognises; name its format "
        f"({', '.join(IMPORTERS.names())})"
    )


def read_labels(
    path: Path | str, fmt: str | None = None, options: ImportOptions = ImportOptions()
) -> tuple[str, LabelFile]:
    """Read ``path`` as ``fmt`` (detected when None); returns (format used, rows)."""
    path = Path(path)
    name = fmt or detect_format(path)
    return name, IMPORTERS.get(name).read(path, options)
