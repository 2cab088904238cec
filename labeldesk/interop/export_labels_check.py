"""The labels, splits and statuses an export gives its images, for ``labeldesk version P
verify``: read back from the export's own files by each format's reader
(:mod:`.export_labels`) and compared with the version's; and the images its label files
leave out or name by another path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from labeldesk.core.errors import Cancelled
from labeldesk.core.progress import CancelToken, ProgressCallback

from .export_check_result import VERIFY_CANCELLED, ExportCheck
from .export_hash_column import renamed_file_problems
from .export_labels import (
    ROW_PER_IMAGE,
    Row,
    label_differences,
    mark_before_class_map,
    read_back,
    unread_pictures,
)
from .export_manifest_read import class_map
from .export_renamed import renamed_entry_problems
from .export_shards import ShardsRead
from .export_unlisted import NAMED_BY, task_path_problems, unlisted_files

TRAIN = "train"  # the split of every image of a FiftyOne export written as one dataset
# (said in the app's Verify window too: no command-line option named, and it holds for an
# export of the labels of its day as for a version's)
STATUSES_NOT_COMPARED = (
    "review statuses (verified, excluded) are not compared: class folders alone "
    "(ImageFolder, or Hugging Face without metadata) have no place for them; which images "
    "it holds, as its options chose them by status, is checked"
)


def check_labels(
    found: ExportCheck,
    manifest: dict[str, Any],
    folder: Path,
    held: list[Row],
    pictures: dict[str, str],
    *,
    splits: bool,
    shards: ShardsRead | None,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> None:
    """The labels, splits and statuses the export gives its images, read back from its
    own files as each format's reader reads them, against the version's (``held``: the
    version's images in the export; ``pictures``: their files in it, by content)."""
    labeled = any(row[2] is not None for row in held)
    try:
        if cancel.cancelled:  # (WebDataset: the labels were read with the shards)
            raise Cancelled(VERIFY_CANCELLED)
        read = read_back(
            folder, manifest, labeled=labeled, progress=progress, cancel=cancel, shards=shards
        )
    except Cancelled as exc:  # (the reader's words: "cancelled while reading …")
        raise Cancelled(VERIFY_CANCELLED) from exc
    reported = {row["path"] for row in found.files}
    found.files += [p for p in read.problems if p["path"] not in reported]
    if read.unread:  # (every picture would be listed as given no label: said once above)
        found.notes.append(
            "its labels, splits and statuses are not read back: its label files cannot be "
            "read (above)"
        )
        return
    # (an image not the version's is named under not_in_version: not again here)
    contents = set(pictures.values())
    mine = [row for row in read.rows if row[1] in contents]
    unread = unread_pictures(mine, pictures, split_folders=manifest.get("format") == "imagefolder")
    if read.reader in ROW_PER_IMAGE:  # (a row dropped: its image is not in the dataset)
        where = ROW_PER_IMAGE[read.reader]
        found.files += [
            {"path": file, "why": f"no row of {where} names it (the export writes one for "
             "every image it holds)"}
            for file, *_ in unread
        ]  # fmt: skip
    elif read.reader in NAMED_BY:  # (an unlabeled image's entry gives no row: read apart)
        found.files += unlisted_files(folder, read.reader, [file for file, *_ in unread])
    paths: dict[str, set[str]] = {}  # content -> the version's paths of that picture
    for path, content, *_ in held:
        paths.setdefault(content, set()).add(path)
    if read.reader == "labelstudio":  # (data.path: what `import` matches a task by)
        found.files += task_path_problems(folder, pictures, paths)
    found.files += renamed_file_problems(manifest, pictures, paths)  # (CSV, Parquet)
    found.files += renamed_entry_problems(manifest, pictures, paths)  # (every format)
    mine += unread
    if read.one_dataset:  # (train, or labeled with none and written as train)
        held = [(p, c, label, split or TRAIN, status) for p, c, label, split, status in held]
        mine = [(p, c, label, split or TRAIN, status) for p, c, label, split, status in mine]
    found.labels = label_differences(held, mine, splits=splits, statuses=read.statuses)
    recorded = manifest.get("options")
    if isinstance(recorded, dict) and recorded.get("class_map"):  # (read when checked)
        mark_before_class_map(found.labels, dict(class_map(folder, recorded["class_map"])))
    if not splits:
        found.notes.append(
            "its splits were made for the export (--make-splits), and its manifest does "
            "not record the split made for each image (written before LabelDesk recorded "
            "them): its labels and statuses are checked, not its splits"
        )
    if not read.statuses and any(row[4] is not None for row in held):
        found.notes.append(STATUSES_NOT_COMPARED)
