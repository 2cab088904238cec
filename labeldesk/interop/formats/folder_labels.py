"""Labels from a folder of class folders: ``[<split>/]<class>/<image>``.

The layout torchvision's and Keras' ImageFolder read, a Hugging Face ``imagefolder``
without a metadata file, and LabelDesk's own ImageFolder export. Each image's label is
its class folder's name and its split the top folder's (``train``, ``val``/``valid``/
``validation``, ``test``), as LabelDesk's scanner reads them (:mod:`labeldesk.core.layout`),
so importing such a folder gives a project the labels a new project made from it would
have. An image in ``_unlabeled/`` becomes unlabeled; one loose in the folder's top or in a
split folder has no class folder, so it keeps its label (and takes the split folder's
split). Files are found as the scanner finds them (:func:`labeldesk.core.walk.walk_images`:
hidden ones and folders LabelDesk made are skipped).

Matching to the project's images: a row's path is the file's path in the folder
(``train/cat/a.jpg``), matched exactly or by path suffix like any label file's; when that
names no image (the folder sorts copies of images kept elsewhere), the path below the
class folder (``a.jpg``) is matched instead, and images sharing that name are listed, not
guessed between. A LabelDesk export read back into its project leads every file to the
image it was exported from (:mod:`.export_paths`).

Detected last, after every format with a file of its own: a folder whose class folders
hold images. A folder with no class folder is refused (reading it would only clear
labels).
"""

from __future__ import annotations

import os
from pathlib import Path

from labeldesk.core.errors import LabelFileError
from labeldesk.core.label_file_formats import KEEP_LABEL, Parsed, Record
from labeldesk.core.label_files import LabelFile, checked_rows
from labeldesk.core.layout import SPLIT_FOLDERS, UNLABELED_FOLDER
from labeldesk.core.walk import is_candidate_name, walk_images

from .base import Importer, ImportOptions, register_importer

UNIT = "image"  # rows are numbered by image, in path order
_SNIFF_ENTRIES = 200  # entries of a folder looked at to recognise the layout, at most


def sniff_class_folders(path: Path) -> bool:
    """A folder with an image in a class folder (``<class>/``, ``<split>/<class>/``),
    looked for in a bounded number of entries."""
    if not path.is_dir():
        return False
    for top in _folders(path):
        split = top.name.lower() in SPLIT_FOLDERS
        for inner in _folders(top) if split else [top]:
            if inner.name.lower() != UNLABELED_FOLDER and _has_image(inner):
                return True
    return False


def read_class_folders(path: Path, options: ImportOptions) -> LabelFile:
    """Every image under ``path`` as a row: its class folder's label and its split
    folder's split (see the module's docstring)."""
    del options  # no columns to name: the folders are the labels
    if not path.is_dir():
        raise LabelFileError(str(path), ["not a folder of class folders"])
    found = walk_images(path)
    records: list[Record] = []
    fallbacks: list[str] = []
    for rel in sorted(found.files):
        parts = rel.split("/")
        split = parts[0] if len(parts) > 1 and parts[0].lower() in SPLIT_FOLDERS else None
        rest = parts[1:] if split else parts
        if len(rest) < 2:  # loose in the top or a split folder: no class folder
            if split is None:
                continue  # says nothing of the image
            label: object = KEEP_LABEL
        elif rest[0].lower() == UNLABELED_FOLDER:
            label = None
        else:
            label = rest[0]
        records.append(Record(len(records) + 1, rel, label, split))
        fallbacks.append("/".join(rest[1:]) if len(rest) > 1 else rest[0])
    if not any(r.label is not KEEP_LABEL and r.label is not None for r in records):
        raise LabelFileError(
            str(path),
            [
                "no image in a class folder: labels come from <class>/<image> or "
                "<split>/<class>/<image> folders"
            ],
        )
    problems = [
        (len(records) + n, f"{where}: {why}")
        for n, (where, why) in enumerate(sorted(found.problems.items()), 1)
    ]
    rows = checked_rows(Parsed(records, problems, UNIT), str(path))
    by_line = dict(zip((r.line for r in records), fallbacks, strict=True))
    rows.fallback_paths = [by_line[row.line] for row in rows.rows]
    return rows


def _folders(path: Path) -> list[Path]:
    """Up to _SNIFF_ENTRIES subfolders (links followed), not hidden."""
    try:
        with os.scandir(path) as entries:
            return [
                Path(e.path)
                for _, e in zip(range(_SNIFF_ENTRIES), entries, strict=False)
                if not e.name.startswith(".") and _is_dir(e)
            ]
    except OSError:
        return []


def _has_image(folder: Path) -> bool:
    """An image file in ``folder`` or one folder down (a class's own subfolders)."""
    try:
        with os.scandir(folder) as entries:
            seen = [e for _, e in zip(range(_SNIFF_ENTRIES), entries, strict=False)]
    except OSError:
        return False
    visible = [e for e in seen if not e.name.startswith(".")]
    if any(is_candidate_name(e.name) and not _is_dir(e) for e in visible):
        return True
    return any(_has_image_here(Path(e.path)) for e in visible if _is_dir(e))


def _has_image_here(folder: Path) -> bool:
    try:
        with os.scandir(folder) as entries:
            return any(
                is_candidate_name(e.name) and not e.name.startswith(".")
                for _, e in zip(range(_SNIFF_ENTRIES), entries, strict=False)
            )
    except OSError:
        return False


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


register_importer(
    Importer(
        "imagefolder",
        "ImageFolder: [<split>/]<class>/<image> folders (torchvision, Keras, Hugging Face "
        "without metadata)",
        sniff_class_folders,
        read_class_folders,
    )
)
