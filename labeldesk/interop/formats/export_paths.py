"""Rows read back from a LabelDesk export name the images they were exported from.

The CSV, Parquet and Label Studio exports keep each image at ``images/<its project path>``
and FiftyOne's at ``[<split>/]data/<its project path>``. A file whose name was shortened
or made unique, and every file of a Hugging Face or ImageFolder export
(``<split>/<class>/<file>``) not at its project path, is recorded in the manifest's
``renamed``. Matched as written, such a row could name the wrong image: in a project with
a real top-level ``images/`` folder, ``images/a.png`` is that folder's image, not the
``a.png`` the row was exported from, and a renamed file names none. Beside LabelDesk's
manifest, a row that names a file the export wrote is led back to the project path it
was exported from, when the rows go back into that project (the manifest's
``image_root`` or ``project``); any other project (one made from the export folder
itself, say) matches the paths as written, unless the recorded path holds the recorded
bytes there and the path as written does not (a copy of the image folder:
:mod:`labeldesk.core.rows_elsewhere`). The files of images exported without a split
among a split's (Hugging Face's ``train/_unlabeled``, and in every format a labeled image
without one, written as the train it counts in) are listed in the manifest's
``no_split``: their rows give no split, whichever project reads them, unless a row was
edited to another split than the one the export wrote.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from pathlib import Path
from typing import Any

from labeldesk.core.label_files import LabelFile

from ..export_target import export_manifest
from ..writing import IMAGES
from .export_moved import moved_files

IMAGES_BESIDE = ("csv", "parquet", "labelstudio")  # images/<project path> (image_folder)
FIFTYONE, FIFTYONE_DATA = "fiftyone", "data"
# <split>/<class>/<file>: every file's project path is in ``renamed``
CLASS_FOLDERS = ("hf", "imagefolder")
MODEL_COLUMNS = ("csv", "parquet")  # their manifest holds the model's columns
# rows of a renamed file name its image by its project path (Label Studio's data.path)
OWN_PATHS = ("labelstudio",)
IMAGES_IN_SHARDS = ("webdataset",)  # no file per image: tar shards hold them


def as_project_paths(path: Path, rows: LabelFile) -> LabelFile:
    """``rows`` read from ``path``, with the project path each one was exported from when
    ``path`` is (in) a LabelDesk export (applied only to that project); a row of an image
    the export wrote without a split gives none (in any project)."""
    export = _export_of(path)
    if export is None:
        return rows
    moved = _moved(path, rows, *export[:2])
    _without_split(rows, *export[:2], moved)
    found = _led_back(*export, moved)
    if found is None:
        return rows
    (image_root, project), mapping = found
    rows.exported_from, rows.exported_project = image_root, project
    led = [mapping(row.path) for row in rows.rows]
    rows.source_paths = [path for path, _ in led]
    rows.source_hashes = [digest for _, digest in led]
    refused = [mapping(written) for _, written in rows.refused]
    rows.source_refused = [path for path, _ in refused]
    rows.source_refused_hashes = [digest for _, digest in refused]
    return rows


Source = tuple[str, str | None]  # the exported project's image folder and project folder


Mapping = Callable[[str], tuple[str, str]]  # written path -> (project path, content hash)


def _export_of(path: Path) -> tuple[dict[str, Any], str, tuple[str, ...]] | None:
    """(the manifest of the export ``path`` is in, the folder of the export the rows'
    paths start in, the folders below which a file keeps its project path), or None."""
    folder = path if path.is_dir() else path.parent
    manifest = export_manifest(folder)
    if manifest is not None and manifest.get("format") in IMAGES_BESIDE:
        return manifest, "", (IMAGES,)
    # FiftyOne and Hugging Face: the export's folder, one split's folder in it, or a file
    # there (rows start in the folder given; a Hugging Face metadata file's in the dataset's)
    for within, export in (("", folder), (folder.name + "/", folder.parent)):
        manifest = export_manifest(export)
        fmt = None if manifest is None else manifest.get("format")
        if manifest is not None and fmt == FIFTYONE:
            return manifest, within, (FIFTYONE_DATA, "*/" + FIFTYONE_DATA)
        if manifest is not None and fmt in CLASS_FOLDERS:  # a split's folder reads as a
            # dataset of its own (rows start there); its metadata file reads as the whole's
            return manifest, within if path.is_dir() else "", ()
    return None


def _without_split(
    rows: LabelFile, manifest: dict[str, Any], within: str, moved: dict[str, str]
) -> None:
    """Rows naming a file the manifest lists under ``no_split`` (or such a file moved to
    another class folder of its split) give no split (see :func:`give_no_split`)."""
    names = no_split_names(manifest, within)
    if names and manifest.get("format") in OWN_PATHS:  # a renamed file's row names its
        # image by its project path (data.path): that path stands for the file written
        renamed = _renamed(manifest)
        names |= {renamed[within + name] for name in names if within + name in renamed}
    if names:
        files = [_within(moved.get(row.path), within) or row.path for row in rows.rows]
        give_no_split(rows, files, names)


def _within(full: str | None, within: str) -> str | None:
    return full[len(within) :] if full and full.startswith(within) else full


# The split an export wrote the files it lists under ``no_split`` in (Hugging Face's
# train/_unlabeled, a labeled image's train), when it wrote one
NO_SPLIT_WRITTEN_AS = "train"


def no_split_names(manifest: dict[str, Any] | None, within: str = "") -> set[str]:
    """The manifest's ``no_split`` entries below ``within`` (the folder of the export the
    rows' paths start in), as the rows name them."""
    listed = None if manifest is None else manifest.get("no_split")
    if not isinstance(listed, list):
        return set()
    return {p[len(within) :] for p in listed if isinstance(p, str) and p.startswith(within)}


def give_no_split(rows: LabelFile, written: list[str], names: set[str]) -> None:
    """Rows whose file (``written``, one per row) is in ``names`` (an image without a
    split, written among a split's images: Hugging Face's train/_unlabeled, a labeled
    image's train) give no split: the image keeps its own, as an image of LabelDesk's
    other formats' unassigned parts does, and an export read back into its project
    changes nothing. A row edited to another split (val in a CSV) keeps that one. In any
    project: the rows say so, not the project they came from."""

    def listed(path: str) -> bool:
        return path in names or posixpath.normpath(path.replace("\\", "/")) in names

    rows.rows = [
        row._replace(split=None)
        if row.split in (None, NO_SPLIT_WRITTEN_AS) and listed(path)
        else row
        for row, path in zip(rows.rows, written, strict=True)
    ]


def _moved(path: Path, rows: LabelFile, manifest: dict[str, Any], within: str) -> dict[str, str]:
    """Row path -> the file of a class-folder export that the row's file is, moved to
    another class folder (:mod:`.export_moved`); a GIF the export wrote as a PNG gets
    its content hash there, so that it finds its image by it in any project."""
    if manifest.get("format") not in CLASS_FOLDERS or not rows.content_files:
        return {}
    folder = str(path if not within else path.parent)
    files = list(zip((row.path for row in rows.rows), rows.content_files, strict=True))
    moved = moved_files(manifest, within, folder, files)
    listed = manifest.get("gif_as_png")
    gifs = {g for g in listed if isinstance(g, str)} if isinstance(listed, list) else set()
    hashes = _image_hashes(manifest)
    for row_path, file in files:
        target = moved.get(row_path)
        if target in gifs and target in hashes:
            rows.content_hashes[file] = hashes[target]
    return moved


def _led_back(
    manifest: dict[str, Any],
    within: str,
    folders: tuple[str, ...],
    moved: dict[str, str] | None = None,
) -> tuple[Source, Mapping] | None:
    """(the source project's folders, rows' paths -> (its paths, the content hash of
    the file as exported)). ``within``: the folder of the export the rows' paths start
    in. A path the export wrote goes to its recorded name when renamed, else to its path
    below the first of ``folders`` that holds it (``*`` is any one folder: a split's);
    any other path (a project path Label Studio's ``data.path`` gave, a row edited by
    hand, a file moved in the export) gives "": the row keeps its path, unless ``moved``
    names the file the export wrote that it is. The hash is "" where the manifest has
    none (an older export)."""
    root, project = manifest.get("image_root"), manifest.get("project")
    if not isinstance(root, str):
        return None
    renamed = _renamed(manifest)
    written_files = _files(manifest)
    hashes = _image_hashes(manifest)
    heads = [folder.split("/") for folder in folders]

    def of_file(full: str) -> tuple[str, str] | None:
        if full in renamed:
            return renamed[full], hashes.get(full, "")
        if full in written_files:  # (as the export wrote it: the project path, unless
            # below a folder of its own or renamed)
            return _below(full, heads) or full, hashes.get(full, "")
        return None

    def project_path(written: str) -> tuple[str, str]:
        tidy = posixpath.normpath(written.replace("\\", "/")) if written else written
        for full in dict.fromkeys((within + written, within + tidy)):  # as written first
            found = of_file(full)
            if found is not None:
                return found
        if moved and written in moved:  # a file of a class folder moved to another
            return of_file(moved[written]) or ("", "")
        return "", ""  # not a file the export wrote

    return (root, project if isinstance(project, str) else None), project_path


def _image_hashes(manifest: dict[str, Any]) -> dict[str, str]:
    found = manifest.get("image_hashes")
    if not isinstance(found, dict):
        return {}
    return {k: v for k, v in found.items() if isinstance(k, str) and isinstance(v, str)}


def _below(full: str, heads: list[list[str]]) -> str | None:
    parts = full.split("/")
    for head in heads:
        at = parts[: len(head)]
        if len(parts) > len(head) and all(h in ("*", p) for h, p in zip(head, at, strict=True)):
            return "/".join(parts[len(head) :])
    return None


def _files(manifest: dict[str, Any]) -> set[str]:
    found = manifest.get("files")
    if not isinstance(found, list):
        return set()
    return {f["path"] for f in found if isinstance(f, dict) and isinstance(f.get("path"), str)}


def _renamed(manifest: dict[str, Any]) -> dict[str, str]:
    found = manifest.get("renamed")
    if not isinstance(found, dict):
        return {}
    return {k: v for k, v in found.items() if isinstance(k, str) and isinstance(v, str)}
