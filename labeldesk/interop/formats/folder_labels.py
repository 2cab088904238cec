"""Labels from a folder of class folders: ``[<split>/]<class>/<image>``.

The layout torchvision's and Keras' ImageFolder read, a Hugging Face ``imagefolder``
without a metadata file, and LabelDesk's own ImageFolder export. Each image's label is
its class folder's name and its split the top folder's (``train``, ``val``/``valid``/
``validation``, ``test``), as LabelDesk's scanner reads them (:mod:`labeldesk.core.layout`).
An image in ``_unlabeled/`` becomes unlabeled. One loose in a split folder has no class
folder: it takes that split and keeps its label (a new project made from the folder
would leave it unlabeled; an import changes only what the folder says). One loose at
the top says nothing and is left out. Files are found as the scanner finds them
(:func:`labeldesk.core.walk.walk_images`: hidden ones and folders LabelDesk made are
skipped), and a symbolic link to a file elsewhere (a ``--symlink`` export) counts as
that file.

Which image a file labels: the folders around a file are its label, not where the image
lives in the project (``cat/1.png`` sorted there may be the project's ``dog/1.png``), so
a file is matched by its bytes (:mod:`labeldesk.core.label_content`); duplicates in the
project are told apart by the file's path, else listed. A file no image has the bytes of
(a re-encoded copy) is matched by its path below the class folder alone (``cat/2024/a.jpg``
finds ``photos/2024/a.jpg``; ``cat/a.jpg`` the project's one ``a.jpg``), and images
sharing that name are listed, not guessed between. A LabelDesk export read back into its
project leads every file it wrote to the image it was exported from (:mod:`.export_paths`).

Detected after every format with a file of its own (and before WebDataset, whose
``.tar`` beside class folders is a backup, not the labels), never for a folder that holds
a label file at its top or another format's LabelDesk export: a folder whose class
folders hold images. A folder with no class folder is refused (reading it would only
clear labels).
"""

from __future__ import annotations

import os
from pathlib import Path

from labeldesk.core.errors import LabelFileError
from labeldesk.core.label_file_formats import KEEP_LABEL, Parsed, Record
from labeldesk.core.label_files import LabelFile, checked_rows
from labeldesk.core.layout import (
    SPLIT_FOLDERS,
    UNLABELED_FOLDER,
    UNREAD_SPLIT_FOLDERS,
    placement,
    unread_split_advice,
)
from labeldesk.core.staging import EXPORT_MANIFEST
from labeldesk.core.walk import OUTSIDE_LINK, is_candidate_name, walk_images

from ..export_target import export_manifest
from .base import Importer, ImportOptions, is_folder, register_importer, subfolders

UNIT = "image"  # rows are numbered by image, in path order
CLASS_FOLDER_EXPORTS = ("imagefolder", "hf")  # LabelDesk exports this importer reads
LABEL_FILE_SUFFIXES = (".csv", ".tsv", ".json", ".jsonl", ".ndjson", ".parquet")
_SNIFF_ENTRIES = 10_000  # entries of a folder looked through to recognise the layout


def sniff_class_folders(path: Path) -> bool:
    """A folder with an image in a class folder (``<class>/``, ``<split>/<class>/``),
    looked for in a bounded number of entries, and no label file at its top (a CSV
    export's folder holds ``labels.csv`` and ``images/``: not class folders)."""
    if not path.is_dir() or holds_label_file(path):
        return False
    manifest = export_manifest(path)
    if manifest is not None and manifest.get("format") not in CLASS_FOLDER_EXPORTS:
        return False
    for top in _visible_folders(path):
        split = top.name.lower() in SPLIT_FOLDERS
        for inner in _visible_folders(top) if split else [top]:
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
    files = set(found.files)
    for rel, why in list(found.problems.items()):
        if why == OUTSIDE_LINK and os.path.isfile(path / rel):  # a linked file: its bytes
            files.add(rel)
            del found.problems[rel]
    records: list[Record] = []
    below: dict[int, str] = {}
    beside_split = any(placement(rel).split for rel in files)
    odd: list[tuple[int, str]] = []  # (record, problem): images of an unread split folder
    for rel in sorted(files):
        split, name = placement(rel)  # as the scanner reads the folders
        rest = rel.split("/")[1:] if split else rel.split("/")
        unread = beside_split and not split and rest[0].lower() in UNREAD_SPLIT_FOLDERS
        if unread and len(rest) > 2:  # <dev>/<class>/<image> beside train/
            odd.append((len(records) + 1, _unread_split(rel, rest[0])))
        label: object = name  # None in _unlabeled/
        if len(rest) < 2:  # loose in the top or a split folder: no class folder
            if split is None:
                continue  # says nothing of the image
            label = KEEP_LABEL
        records.append(Record(len(records) + 1, rel, label, split))
        below[len(records)] = "/".join(rest[1:]) if len(rest) > 1 else rest[0]
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
    bad = {n for n, _ in odd}  # (refused with their paths: skipped, their images stay out)
    parsed = Parsed([r for r in records if r.line not in bad], [*odd, *problems], UNIT)
    parsed.refused = [(r.line, str(r.path)) for r in records if r.line in bad]
    rows = checked_rows(parsed, str(path))
    rows.fallback_paths = [below[row.line] for row in rows.rows]
    rows.content_files = [str(path / row.path) for row in rows.rows]
    rows.refused_content = [str(path / rel) for _, rel in rows.refused]
    rows.content_hashes.update(_gif_hashes(path))
    return rows


def _unread_split(rel: str, folder: str) -> str:
    advice = unread_split_advice(folder)
    return f"{rel!r}: {advice} (else its class folders' images would be labeled {folder!r})"


def _gif_hashes(path: Path) -> dict[str, str]:
    """file -> the content hash of the GIF it was written for, for each PNG a LabelDesk
    ImageFolder export at ``path`` (or the export ``path`` is a split folder of) wrote
    in place of a GIF, still the size it was written: its own bytes are no project
    image's, so the GIF's names it by content in any project of the same pictures."""
    within, manifest = "", export_manifest(path)
    if manifest is None:  # one split's folder of the export
        within, manifest = path.name + "/", export_manifest(path.parent)
    if manifest is None:
        return {}
    listed, hashes, files = (manifest.get(k) for k in ("gif_as_png", "image_hashes", "files"))
    if not (isinstance(listed, list) and isinstance(hashes, dict) and isinstance(files, list)):
        return {}
    sizes = {
        f["path"]: f.get("size")
        for f in files
        if isinstance(f, dict) and isinstance(f.get("path"), str)
    }
    found: dict[str, str] = {}
    for png in listed:
        if not (isinstance(png, str) and png.startswith(within)):
            continue
        file, digest = path / png[len(within) :], hashes.get(png)
        try:
            same_size = file.stat().st_size == sizes.get(png)
        except OSError:
            same_size = False
        if isinstance(digest, str) and same_size:
            found[str(file)] = digest
    return found


def holds_label_file(path: Path) -> bool:
    """A file at the folder's top that another format reads (``labels.csv``, …)."""
    try:
        with os.scandir(path) as entries:
            return any(
                e.name.lower().endswith(LABEL_FILE_SUFFIXES) and e.name != EXPORT_MANIFEST
                for _, e in zip(range(_SNIFF_ENTRIES), entries, strict=False)
            )
    except OSError:
        return False


def _visible_folders(path: Path) -> list[Path]:
    return [folder for folder in subfolders(path) if not folder.name.startswith(".")]


def _has_image(folder: Path) -> bool:
    """An image file in ``folder`` or one folder down (a class's own subfolders)."""
    try:
        with os.scandir(folder) as entries:
            seen = [e for _, e in zip(range(_SNIFF_ENTRIES), entries, strict=False)]
    except OSError:
        return False
    visible = [e for e in seen if not e.name.startswith(".")]
    if any(is_candidate_name(e.name) and not is_folder(e) for e in visible):
        return True
    return any(_has_image_here(Path(e.path)) for e in visible[:100] if is_folder(e))


def _has_image_here(folder: Path) -> bool:
    try:
        with os.scandir(folder) as entries:
            return any(
                is_candidate_name(e.name) and not e.name.startswith(".")
                for _, e in zip(range(_SNIFF_ENTRIES), entries, strict=False)
            )
    except OSError:
        return False


register_importer(
    Importer(
        "imagefolder",
        "ImageFolder: [<split>/]<class>/<image> folders (torchvision, Keras, Hugging Face "
        "without metadata), each file matched to its image by content",
        sniff_class_folders,
        read_class_folders,
    )
)
