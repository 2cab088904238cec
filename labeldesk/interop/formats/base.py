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
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from labeldesk.core.db import DB_FILENAME
from labeldesk.core.errors import LabelDeskError
from labeldesk.core.label_files import LabelFile
from labeldesk.core.layout import SPLIT_FOLDERS
from labeldesk.core.progress import CancelToken, ProgressCallback, no_progress
from labeldesk.core.registry import Registry
from labeldesk.core.staging import EXPORT_MANIFEST

from .export_advice import export_advice
from .export_paths import as_project_paths

# The files a folder import reads its labels from (a Hugging Face dataset's metadata,
# a FiftyOne dataset's labels.json, WebDataset's classes.txt), at the top or one folder
# down: what source_state looks at
_LABEL_NAMES = ("metadata.jsonl", "metadata.csv", "metadata.parquet", "labels.json", "classes.txt")
_STATE_FOLDERS = 10_000  # entries of a folder looked through for subfolders, at most


def source_state(path: Path) -> tuple[object, ...]:
    """A cheap fingerprint of a label source: a file's (size, mtime_ns); for a folder,
    those of the label files an import of it reads, by name, in it and one folder down,
    and the folders' own (so a folder of a million images costs little). A file that
    cannot be read gives its error, not the whole fingerprint's. Rows read under another
    fingerprint were read from another version of the file."""
    if not path.is_dir():  # (a shard's class indices are named by classes.txt beside it)
        beside = (path.parent / "classes.txt",) if path.suffix.lower() == ".tar" else ()
        return (_stat(path), *(_stat(p) for p in beside))
    listing: tuple[object, ...] = ()
    try:
        with os.scandir(path) as found:
            top = [e for _, e in zip(range(_STATE_FOLDERS), found, strict=False)]
    except OSError as exc:
        top, listing = [], ("cannot list", exc.errno)
    folders = [Path(e.path) for e in top if is_folder(e)]
    shards = [Path(e.path) for e in top if e.name.lower().endswith(".tar")]
    # a folder's own mtime moves when an entry is added, removed or renamed in it: the
    # class folders (``<class>/``, ``<split>/<class>/``) whose files give the labels
    # when there is no label file (:mod:`.folder_labels`); not the folders inside them
    # (``cat/2024/``): listing every folder would cost a walk of the whole tree
    classes = [sub for folder in folders if folder.name.lower() in SPLIT_FOLDERS
               for sub in subfolders(folder)]  # fmt: skip
    return (
        listing,
        *(_stat(folder / name) for folder in (path, *sorted(folders)) for name in _LABEL_NAMES),
        *(_stat(folder) for folder in (path, *sorted(folders), *sorted(classes))),
        *(_stat(shard) for shard in sorted(shards)),  # (rewritten in place: no folder moves)
    )


def subfolders(path: Path) -> list[Path]:
    """The folders (links followed) among a folder's first _STATE_FOLDERS entries; none
    when it cannot be read."""
    try:
        with os.scandir(path) as entries:
            return [
                Path(e.path)
                for _, e in zip(range(_STATE_FOLDERS), entries, strict=False)
                if is_folder(e)
            ]
    except OSError:
        return []


def is_folder(entry: os.DirEntry[str]) -> bool:
    """A folder, or a link to one: the importers follow links to split folders too."""
    try:
        return entry.is_dir()
    except OSError:  # a link loop, a folder it may not read
        return False


def _stat(path: Path) -> tuple[object, ...]:
    try:
        st = path.stat()
    except FileNotFoundError:
        return ()
    except OSError as exc:
        return (str(path), "error", exc.errno)
    return (str(path), st.st_size, st.st_mtime_ns)


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
# Names people give a file the csv reader reads (it says "read x.json as JSON")
FORMAT_ALIASES = {"json": "csv", "jsonl": "csv", "ndjson": "csv", "tsv": "csv"}


def register_importer(importer: Importer) -> Importer:
    IMPORTERS.register(importer.name)(importer)
    return importer


# A project's database and the files SQLite keeps beside it while it is open
_DATABASE_FILES = tuple(f"{DB_FILENAME}{end}" for end in ("", "-wal", "-shm", "-journal"))
_THUMBNAILS = "thumbs"  # the project's thumbnail folder (Project.thumbs_dir)


def refuse_project_files(path: Path) -> None:
    """Refuse, in one line, a LabelDesk project's own folder, thumbnail folder or database
    as a label source: read as class folders, the thumbnails gave one problem each; the
    database was "not a label file" with advice to name its format. An export's manifest
    is refused naming the file that holds the export's labels."""
    if path.name == EXPORT_MANIFEST and path.is_file():
        raise LabelDeskError(export_advice(path.parent, f"{path} is the manifest of"))
    if path.name in _DATABASE_FILES:
        part = "database"
    elif path.is_dir() and (path / DB_FILENAME).is_file():
        part = "folder"
    elif path.name == _THUMBNAILS and (path.parent / DB_FILENAME).is_file():
        part = "thumbnail folder"
    else:
        return
    raise LabelDeskError(
        f"{path} is a LabelDesk project's {part}, not a label file: import a label file, "
        "or a folder that another tool (or labeldesk export) wrote"
    )


# What an import reads, for a source that holds nothing to read
WHAT_IMPORT_READS = (
    "import reads a label file (CSV, TSV, JSON, JSON Lines, Parquet, a Label Studio "
    "export) or a folder that another tool or a LabelDesk export wrote (class folders "
    "of images, a Hugging Face, FiftyOne or WebDataset dataset)"
)


class UnknownFormatError(LabelDeskError):
    """No importer recognises a label source: naming its format is the way on (the CLI
    adds the option that names it; other refusals, such as an export's folder, do not
    want that advice)."""


def detect_format(path: Path | str) -> str:
    """The name of the first importer that recognises ``path``; a clear error when none
    does (naming the formats tried and ``--labels-format``)."""
    path = Path(path)
    if not path.exists():
        raise LabelDeskError(f"{path}: file not found")
    refuse_project_files(path)
    if path.is_dir() and next(path.iterdir(), None) is None:  # no format would help
        raise LabelDeskError(f"{path} is an empty folder; {WHAT_IMPORT_READS}")
    for name in IMPORTERS:
        if IMPORTERS[name].sniff(path):
            return name
    if (path / EXPORT_MANIFEST).is_file():
        raise LabelDeskError(export_advice(path, f"{path} is", folder_refused=True))
    raise UnknownFormatError(
        f"{path}: not a label file LabelDesk recognises; name its format "
        f"({', '.join(IMPORTERS.names())})"
    )


def read_labels(
    path: Path | str,
    fmt: str | None = None,
    options: ImportOptions = ImportOptions(),
    *,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> tuple[str, LabelFile]:
    """Read ``path`` as ``fmt`` (detected when None); returns (format used, rows). A
    reader of many files (WebDataset shards) reports to ``progress`` and stops on
    ``cancel`` (:func:`reading`)."""
    path = Path(path)
    refuse_project_files(path)
    name = FORMAT_ALIASES.get(fmt.lower(), fmt) if fmt else detect_format(path)
    token = _READING.set((progress, cancel))
    try:
        return name, as_project_paths(path, IMPORTERS.get(name).read(path, options))
    finally:
        _READING.reset(token)


# The progress callback and cancel token of the read under way in this thread (readers
# keep the two-argument signature; few need them)
_READING: ContextVar[tuple[ProgressCallback, CancelToken | None]] = ContextVar(
    "labeldesk_reading", default=(no_progress, None)
)


def reading() -> tuple[ProgressCallback, CancelToken | None]:
    """The progress callback and cancel token of the :func:`read_labels` under way."""
    return _READING.get()
