"""What an export's manifest says of it, checked against the export's own files
(``labeldesk version P verify``): the format it was written as, the class lists its
files hold, and the options that chose its images.

The manifest is a file of the export like any other. Where the files can contradict it,
they are read: a folder of one format whose manifest names another; a ``classes.txt``
(WebDataset), a ``labels.json``'s ``classes`` (FiftyOne) or a labeling config (Label
Studio) that lists other classes, or another order, than the manifest (training code
reads class indices by those lists); an image in the export that is the version's, but
one the recorded options leave out (unlabeled without ``--include-unlabeled``, excluded,
not verified under ``--exclude-unverified``, of a class ``--class-map`` drops, unchanged
since the ``--since`` version). What no file can say is taken on trust, and the report
says so (:func:`taken_on_trust`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labeldesk.core.display import counted
from labeldesk.core.file_kinds import open_regular
from labeldesk.core.vocab import EXCLUDED, VERIFIED

from .formats.hf import folders_are_labels
from .formats.labelstudio import CONFIG, labeling_config
from .selection import Selection, select_items
from .writing import ExportOptions, Item

if TYPE_CHECKING:
    from labeldesk.core.project import Project

# The files that say which format wrote a folder: (format, file or pattern at the top)
_LABEL_FILES = (
    ("csv", "labels.csv"),
    ("parquet", "labels.parquet"),
    ("labelstudio", "tasks.json"),
    ("webdataset", "*.tar"),
    ("webdataset", "classes.txt"),
    ("fiftyone", "labels.json"),
    ("fiftyone", "*/labels.json"),
    ("hf", "*/metadata.parquet"),
    ("hf", "*/metadata.jsonl"),
)
# Formats whose files are class folders alone (Hugging Face writes metadata only where the
# folders do not give every label): one cannot be told from the other
_FOLDERS_ONLY = frozenset(("imagefolder", "hf"))
_CLASS_LIST_BYTES = 64 << 20  # a class list file larger than this is not one


def written_as(folder: Path, images: Collection[str] = ()) -> tuple[set[str], list[str]]:
    """The formats whose label files ``folder`` holds, and those files (none: class
    folders, which ImageFolder and Hugging Face both write); ``images``: the export's
    image files (an image may have any name)."""
    formats: set[str] = set()
    files: list[str] = []
    for fmt, pattern in _LABEL_FILES:
        found = sorted(
            rel
            for p in folder.glob(pattern)
            # (a FIFO in a label file's place is that file, not opened: named as what it is)
            if not p.is_dir() and (rel := p.relative_to(folder).as_posix()) not in images
        )
        if found:
            formats.add(fmt)
            files += found[:1]
    return formats, files


def check_written_as(said: list[str], manifest: dict[str, Any], folder: Path) -> bool:
    """Whether the export's files are those of the format its manifest names; a line in
    ``said`` where they are not."""
    fmt = str(manifest.get("format"))
    listed = manifest.get("image_hashes")
    formats, files = written_as(folder, listed if isinstance(listed, dict) else ())
    if fmt in _FOLDERS_ONLY:
        if not formats - {"hf"}:
            return True
    elif formats == {fmt}:
        return True
    found = ", ".join(files) if files else "class folders and no label file"
    said.append(
        f"its manifest says it was written as {fmt}, but its files are not that "
        f"format's ({found}): another export's manifest, or one edited"
    )
    return False


# The files besides its images each format writes (paths in the export)
_WRITES = {
    "imagefolder": r"",
    "csv": r"labels\.csv",
    "parquet": r"labels\.parquet",
    "labelstudio": r"tasks\.json|labeling_config\.xml",
    "hf": r"[^/]+/metadata\.(jsonl|parquet)",
    "fiftyone": r"([^/]+/)?labels\.json",
    "webdataset": r"classes\.txt|[^/]+\.tar",
}
NOT_WRITTEN = "not a file the export writes (its manifest lists it: edited since)"


def files_not_written(manifest: dict[str, Any], images: Collection[str]) -> list[dict[str, str]]:
    """``{"path", "why"}`` of each file the manifest lists that is neither one of its
    images (``images``) nor a file its format writes: a file added to the export with
    the manifest's list made to match (a format's reader, or training code, may read it)."""
    pattern = _WRITES.get(str(manifest.get("format")))
    files = manifest.get("files")
    if pattern is None or not isinstance(files, list):
        return []
    writes = re.compile(pattern)
    listed = [f.get("path") for f in files if isinstance(f, dict)]
    return [
        {"path": path, "why": NOT_WRITTEN}
        for path in listed
        if isinstance(path, str) and path not in images and not writes.fullmatch(path)
    ]


def check_hf_metadata(
    said: list[str], manifest: dict[str, Any], folder: Path, items: Iterable[Item]
) -> None:
    """Hugging Face: the export writes metadata files (with the review statuses) unless
    its class folders alone give every label (:func:`~.formats.hf.folders_are_labels`);
    ``items``: the images it wrote. A line in ``said`` where the files have metadata
    the export would not write, or lack metadata it would (datasets then reads every
    folder's name as a label: ``_unlabeled`` a class, the statuses gone)."""
    if manifest.get("format") != "hf":
        return
    listed = manifest.get("image_hashes")
    formats, files = written_as(folder, listed if isinstance(listed, dict) else ())
    held = "hf" in formats
    written = list(items)  # (none written: no metadata either)
    folders = not written or folders_are_labels((item, item.path) for item in written)
    if held and folders:
        said.append(
            f"it holds metadata ({', '.join(files)}) that the export does not write where "
            "its class folders give every label: added since, so datasets reads its labels "
            "as text, not by the folders"
        )
    elif not held and not folders:
        said.append(
            "it holds no metadata file (<split>/metadata.jsonl or .parquet), which the "
            "export writes for these images (the class folders alone do not give every "
            "label: unlabeled images, a class named like a split, a single class), with "
            "their review statuses: removed since, so datasets reads each folder's name as "
            "a label"
        )


def class_lists(manifest: dict[str, Any], folder: Path) -> list[dict[str, str]]:
    """``{"path", "why"}`` of each class list in the export's files that is not the
    manifest's ``classes`` (the version's, as the export's options name them)."""
    classes = manifest.get("classes")
    if not isinstance(classes, list):
        return []
    fmt = manifest.get("format")
    found: list[dict[str, str]] = []
    if fmt == "webdataset":
        text = _text(folder / "classes.txt")
        if text is not None and text != "".join(f"{c}\n" for c in classes):
            found.append({"path": "classes.txt", "why": _not_the_classes(text.splitlines())})
    elif fmt == "labelstudio":
        text = _text(folder / CONFIG)
        if text is not None and text != labeling_config([str(c) for c in classes]):
            found.append({"path": CONFIG, "why": "its choices are not the export's classes"})
    elif fmt == "fiftyone":
        for labels in sorted([*folder.glob("labels.json"), *folder.glob("*/labels.json")]):
            text = _text(labels)
            try:
                listed = json.loads(text)["classes"] if text is not None else classes
            except (ValueError, KeyError, TypeError):
                continue  # (its labels cannot be read either: said there)
            if listed != classes:
                rel = labels.relative_to(folder).as_posix()
                names = listed if isinstance(listed, list) else []
                found.append({"path": rel, "why": _not_the_classes(names)})
    return found


def _not_the_classes(listed: list[Any]) -> str:
    shown = ", ".join(str(c) for c in listed[:8]) + (", …" if len(listed) > 8 else "")
    return (
        f"lists the classes {shown or 'none'}: not the export's classes in their order, "
        "so class indices name other classes than the version's"
    )


def _text(path: Path) -> str | None:
    """A small text file's text; None where there is none to read (the files' check
    and the labels read back say why)."""
    try:
        with open_regular(path) as f:
            data = f.read(_CLASS_LIST_BYTES + 1)
        return data.decode("utf-8") if len(data) <= _CLASS_LIST_BYTES else None
    except (OSError, ValueError):
        return None


def left_out_by_options(
    project: Project,
    options: ExportOptions,
    chosen: Selection,
    extra: list[dict[str, Any]],
    said: list[str],
) -> None:
    """Of ``extra`` (images in the export that the recorded options, which chose
    ``chosen``, do not choose: ``{"path", "hash"}``), those that are the version's,
    with what leaves them out (``version_path``, ``left_out_by``), and a line in
    ``said`` that says the export holds what its options would not write."""
    every = ExportOptions(
        include_excluded=True,
        include_unlabeled=True,
        include_unverified=True,
        version=options.version,
    )
    taken = {item.path for item in chosen.items}
    by_content: dict[str, list[tuple[str, str]]] = {}
    for item in select_items(project, every).items:
        if item.path not in taken:
            why = _why_left_out(item.label, item.status, options, chosen.class_map)
            by_content.setdefault(item.hash or "", []).append((item.path, why))
    counts: dict[str, int] = {}
    for row in extra:
        images = by_content.get(row["hash"])
        if not images:
            continue
        path, why = images.pop(0)
        row["version_path"], row["left_out_by"] = path, why
        counts[why] = counts.get(why, 0) + 1
    if counts:
        reasons = "; ".join(f"{n:,} {why}" for why, n in sorted(counts.items()))
        said.append(
            f"it holds images of the version that the options its manifest records leave "
            f"out ({reasons}): it was written with other options, or its files or manifest "
            "were edited since"
        )


def _why_left_out(
    label: str | None,
    status: str | None,
    options: ExportOptions,
    class_map: dict[str, str | None],
) -> str:
    """What, of the recorded options, leaves out an image of this label and status that
    they did not choose."""
    if label is None and not options.include_unlabeled:
        return "unlabeled (no --include-unlabeled)"
    if status == EXCLUDED and not options.include_excluded:
        return "excluded (no --include-excluded)"
    if status != VERIFIED and not options.include_unverified:
        return "not verified (--exclude-unverified)"
    if label is not None and label in class_map and class_map[label] is None:
        return f"of a class --class-map drops ({label})"
    if options.since is not None:
        return f"unchanged since {options.since} (--since)"
    return "flagged by the model when it was exported, perhaps (--exclude-flagged)"


def left_out_notes(not_exported: list[dict[str, Any]], missing_now: set[str]) -> list[str]:
    """What the report takes on trust of the images the export lists as left out (no
    file of the export can say why an image is not there), and which of those listed
    as missing are in the image folder now as the version had them (put back since, or
    the manifest was edited): exporting the version again writes them."""
    listed = [row for row in not_exported if row["listed"] in ("missing", "failed")]
    if not listed:
        return []
    notes = [
        f"that {counted(len(listed), 'image')} of the version "
        f"{'was' if len(listed) == 1 else 'were'} left out because "
        f"{'its file was' if len(listed) == 1 else 'their files were'} gone, changed or "
        "unreadable when it was written is taken from its manifest: no file of the export "
        "can say so"
    ]
    back = sorted(
        r["path"] for r in listed if r["listed"] == "missing" and r["path"] not in missing_now
    )
    if back:
        shown = ", ".join(back[:3]) + (", …" if len(back) > 3 else "")
        one = len(back) == 1
        notes.append(
            f"{counted(len(back), 'image')} it lists as missing ({shown}) "
            f"{'is' if one else 'are'} in the image folder now as the version had "
            f"{'it' if one else 'them'} (put back since, or its manifest was edited): "
            f"export the version again to have {'it' if one else 'them'}"
        )
    return notes
