"""The labels, splits and review statuses an export folder gives its images, read back
as the tools that use it read them (``labeldesk version P verify``).

An export's manifest lists every file's SHA-256, but it is a file of the export like any
other: a label changed in ``labels.csv`` (or an image moved to another class folder)
with the manifest's list made to match would pass a check of the files alone. So each
format's labels are read by the reader ``labeldesk import`` uses for it, each row led to
the image file it names and that file's content hash, and compared by content with the
version's images: ``(hash, label, split, status)`` as a multiset, which keeps duplicates
of one picture (the same bytes under two labels) apart. Every picture counts, the
unlabeled ones too (their split, where the format writes one: ``val/_unlabeled/``, a
CSV's split column); a picture the export's files give no row (Label Studio writes no
annotation, split or status for an unlabeled image without them) is unlabeled, with no
split or status. Statuses are compared where the format writes them (:data:`STATUSES`):
class folders alone (ImageFolder, Hugging Face without metadata) hold none.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labeldesk.core.errors import Cancelled, LabelDeskError
from labeldesk.core.label_status import UNREVIEWED
from labeldesk.core.layout import placement
from labeldesk.core.progress import CancelToken, ProgressCallback, no_progress

from .formats import read_labels
from .formats.labelstudio_read import NoAnnotations

if TYPE_CHECKING:
    from .export_shards import ShardsRead

# The file each format keeps its labels in (the others: the folder itself)
LABEL_FILES = {"csv": "labels.csv", "parquet": "labels.parquet", "labelstudio": "tasks.json"}
# Read the folder as whatever it is: a Hugging Face export without metadata is a folder of
# class folders (hf's reader wants a metadata file)
DETECTED = ("hf",)
SAME = "*"  # not compared: splits --make-splits made, statuses a format does not write
# The readers of the files that hold review statuses (read as "imagefolder", a Hugging
# Face export has no metadata, so none)
STATUSES = frozenset(("csv", "parquet", "hf", "fiftyone", "labelstudio", "webdataset"))

# The readers of label files that hold a row for every image the export wrote, unlabeled
# ones too (FiftyOne's labels.json lists the labeled ones, and Label Studio's reader gives
# no row for a task without an annotation, split or status; a shard's samples are its
# images; the files Label Studio's tasks and FiftyOne's keys name are read apart:
# export_unlisted)
ROW_PER_IMAGE = {"csv": "labels.csv", "parquet": "labels.parquet", "hf": "its split's metadata"}

# (the file in the export, or the path its row names; content hash, label, split, status)
Row = tuple[str, str, str | None, str | None, str | None]
Key = tuple[str, str | None, str | None, str | None]


@dataclass
class ReadBack:
    """Per row the export gives (labeled or not): :data:`Row`; ``problems``: ``{"path",
    "why"}`` of rows or files that could not be read; ``reader``: the format read."""

    rows: list[Row] = field(default_factory=list)
    problems: list[dict[str, str]] = field(default_factory=list)
    reader: str = ""
    # FiftyOne written as one dataset (OUT/labels.json): every image was train, which
    # its files do not say (read back, they give no split)
    one_dataset: bool = False
    unread: bool = False  # its label files could not be read at all (``problems`` says why)

    @property
    def statuses(self) -> bool:
        """Do the files read hold the images' review statuses?"""
        return self.reader in STATUSES


def read_back(
    folder: Path,
    manifest: dict[str, Any],
    *,
    labeled: bool,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
    shards: ShardsRead | None = None,
) -> ReadBack:
    """The rows of the export in ``folder``, each with the content hash of the file it
    names (the manifest's ``image_hashes``, whose files are hashed separately;
    WebDataset: the bytes in the shard, read already in ``shards``). ``labeled``: it
    should hold a labeled image."""
    fmt = str(manifest.get("format"))
    source = LABEL_FILES.get(fmt, "")
    found = ReadBack()
    try:
        if shards is not None:
            if shards.rows is None:
                raise LabelDeskError(shards.unreadable)
            found.reader, rows = fmt, shards.rows
        else:
            fmt_read = None if fmt in DETECTED else fmt
            found.reader, rows = read_labels(
                folder / source, fmt_read, progress=progress, cancel=cancel
            )
    except Cancelled:  # (a LabelDeskError too: stopped, not a label file that is wrong)
        raise
    except LabelDeskError as exc:
        if isinstance(exc, NoAnnotations) and not labeled:  # Label Studio tasks of images
            found.reader = fmt  # with no label only: no row, as ``import`` reads them
            return found
        if not labeled and not source:  # (no class folder, no shard with a label: the
            return found  # folder's reader finds nothing to read, and says so)
        found.problems.append({"path": source or ".", "why": f"its labels cannot be read: {exc}"})
        found.unread = True
        return found
    found.one_dataset = fmt == "fiftyone" and (folder / "labels.json").is_file()
    for line, problem in rows.problems:
        found.problems.append({"path": source or ".", "why": f"{rows.unit} {line}: {problem}"})
    listed = manifest.get("image_hashes")
    hashes = listed if isinstance(listed, dict) else {}
    for n, row in enumerate(rows.rows):
        # the file the row shows (Label Studio: data.image, where the task's data.path,
        # the project path, was read instead)
        file = rows.written_paths[n] if n < len(rows.written_paths) else ""
        file = file or row.path
        if n < len(rows.source_hashes):
            content = rows.source_hashes[n] or str(hashes.get(file, ""))
        else:
            held = rows.content_hashes.get(rows.content_files[n]) if rows.content_files else None
            content = held if isinstance(held, str) else ""
        if not content:
            found.problems.append(
                {"path": file, "why": "a label for a file the export did not write"}
            )
            continue
        label = None if row.keep_label else row.label  # (a task with no annotation)
        status = None if row.status in ("", UNREVIEWED) else row.status
        found.rows.append((file, content, label, row.split, status))
    return found


def unread_pictures(
    rows: list[Row], pictures: dict[str, str], *, split_folders: bool = False
) -> list[Row]:
    """The pictures of ``pictures`` (file -> content hash) that no row of ``rows`` gives
    anything: unlabeled, with no split or status (a file of each, by content).
    ``split_folders``: the export's folders are its splits (ImageFolder), so such a
    picture in ``<split>/_unlabeled/`` has that split (an export of unlabeled images
    alone holds no class folder, which its folders' reader refuses)."""
    left = Counter(content for _, content, *_ in rows)
    found: list[Row] = []
    for file, content in sorted(pictures.items()):
        if left[content] > 0:
            left[content] -= 1
        else:
            split = placement(file).split if split_folders else None
            found.append((file, content, None, split, None))
    return found


def label_differences(
    expected: list[Row],
    read: list[Row],
    *,
    splits: bool = True,
    statuses: bool = True,
) -> list[dict[str, Any]]:
    """How the images the export holds (``read``: file, hash, label, split, status)
    differ from the version's (``expected``: path, hash, label, split, status): per
    picture whose record differs, the export's file and what it gives (None: no row)
    paired with the version's path and what it had (None: no such image of the
    version). ``splits``/``statuses`` False: those are not compared (nor shown)."""

    def key(row: Row) -> Key:
        split = row[3] if splits else SAME
        return row[1], row[2], split, row[4] if statuses else SAME

    want, have = Counter(map(key, expected)), Counter(map(key, read))
    lacking, extra = want - have, have - want
    theirs = [r for r in expected if _take(lacking, key(r))]
    ours = [r for r in read if _take(extra, key(r))]
    unpaired: dict[str, list[Row]] = {}
    for row in reversed(theirs):  # (popped from the end: in path order)
        unpaired.setdefault(row[1], []).append(row)
    found: list[dict[str, Any]] = []
    for row in ours:
        same = unpaired.get(row[1])
        found.append(_difference(row, same.pop() if same else None, statuses))
    left = sorted(r for rows in unpaired.values() for r in rows)
    found += [_difference(None, r, statuses) for r in left]
    return found


def _take(extra: Counter[Key], k: Key) -> bool:
    """Whether a row of ``k`` is one of the ``extra`` (counted down as they are taken)."""
    if extra[k] > 0:
        extra[k] -= 1
        return True
    return False


def _difference(ours: Row | None, version: Row | None, statuses: bool) -> dict[str, Any]:
    either = ours or version
    assert either is not None
    return {
        "path": None if ours is None else ours[0],
        "hash": either[1],
        "label": None if ours is None else ours[2],
        "split": None if ours is None else ours[3],
        "status": None if ours is None or not statuses else ours[4],
        "version_path": None if version is None else version[0],
        "version_label": None if version is None else version[2],
        "version_split": None if version is None else version[3],
        "version_status": None if version is None or not statuses else version[4],
        # the export's label is the version's own class, which the export's --class-map
        # renames to version_label (set by :func:`mark_before_class_map`)
        "before_class_map": False,
    }


def mark_before_class_map(found: list[dict[str, Any]], mapping: dict[str, str | None]) -> None:
    """Mark each difference whose label is the version's class before the class map
    (``mapping``: old -> new) renamed it to the label the version is exported with."""
    sources: dict[str, set[str]] = {}
    for old, new in mapping.items():
        if new is not None and new != old:
            sources.setdefault(new, set()).add(old)
    for row in found:
        if row["label"] is not None and row["label"] in sources.get(row["version_label"], ()):
            row["before_class_map"] = True


def difference_line(row: dict[str, Any], *, theirs: str = "the version") -> str:
    """``train/dog/cat0.jpg: dog (train); the version: train/cat/cat0.jpg, cat (train)``;
    a review status, where the format writes one, after the split (``(train,
    verified)``). ``theirs``: what the export is compared with ("the project now" for an
    export of the labels of its day)."""

    def said(label: str | None, split: str | None, status: str | None) -> str:
        also = f", {status}" if status else ""
        return f"{label or 'unlabeled'} ({split or 'no split'}{also})"

    version = said(row["version_label"], row["version_split"], row.get("version_status"))
    if row["path"] is None:
        return f"{row['version_path']}: the export gives it nothing; {theirs}: {version}"
    ours = f"{row['path']}: {said(row['label'], row['split'], row.get('status'))}"
    if row["version_path"] is None:
        return f"{ours}; {theirs} has no other image of this picture"
    line = f"{ours}; {theirs}: {row['version_path']}, {version}"
    if row.get("before_class_map"):
        line += (
            f": {row['label']} is {_class_of(theirs)}, which --class-map "
            f"{row['label']}={row['version_label']} renames: this row was written without "
            "the class map, or edited back since"
        )
    return line


def _class_of(theirs: str) -> str:
    """``the version's class``; ``a class of the project now`` for an export of the
    labels of its day."""
    return "the version's class" if theirs == "the version" else f"a class of {theirs}"
