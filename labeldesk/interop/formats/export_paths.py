"""Rows read back from a LabelDesk export name the images they were exported from.

The CSV, Parquet and Label Studio exports keep each image at ``images/<its project path>``
and FiftyOne's at ``[<split>/]data/<its project path>``; a file whose name was shortened
or made unique is recorded in the manifest's ``renamed``. Matched as written, such a row
could name the wrong image: in a project with a real top-level ``images/`` folder,
``images/a.png`` is that folder's image, not the ``a.png`` the row was exported from, and
a renamed file names none. Beside LabelDesk's manifest, each row is led back to the
project path it was exported from.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from labeldesk.core.label_files import LabelFile

from ..export_target import export_manifest
from ..writing import IMAGES

IMAGES_BESIDE = ("csv", "parquet", "labelstudio")  # images/<project path> (image_folder)
FIFTYONE, FIFTYONE_DATA = "fiftyone", "data"


def as_project_paths(path: Path, rows: LabelFile) -> LabelFile:
    """``rows`` read from ``path``, their paths made project paths when ``path`` is (in)
    a LabelDesk export; other files' rows as they are."""
    mapping = _mapping(path)
    if mapping is None:
        return rows
    rows.rows = [row._replace(path=mapping(row.path)) for row in rows.rows]
    rows.refused = [(line, mapping(written)) for line, written in rows.refused]
    return rows


def _mapping(path: Path) -> Callable[[str], str] | None:
    folder = path if path.is_dir() else path.parent
    manifest = export_manifest(folder)
    if manifest is not None and manifest.get("format") in IMAGES_BESIDE:
        return _led_back("", _renamed(manifest), (IMAGES,))
    # FiftyOne: the export's folder, one split's dataset in it, or a labels.json there
    for within, export in (("", folder), (folder.name + "/", folder.parent)):
        manifest = export_manifest(export)
        if manifest is not None and manifest.get("format") == FIFTYONE:
            return _led_back(within, _renamed(manifest), (FIFTYONE_DATA, "*/" + FIFTYONE_DATA))
    return None


def _led_back(
    within: str, renamed: dict[str, str], folders: tuple[str, ...]
) -> Callable[[str], str]:
    """Rows' paths (relative to ``within`` in the export) -> project paths: a renamed
    file's recorded path, else its path below the first of ``folders`` that holds it
    (``*`` is any one folder: a split's)."""
    heads = [folder.split("/") for folder in folders]

    def project_path(written: str) -> str:
        full = within + written
        if full in renamed:
            return renamed[full]
        parts = full.split("/")
        for head in heads:
            at = parts[: len(head)]
            if len(parts) > len(head) and all(h in ("*", p) for h, p in zip(head, at, strict=True)):
                return "/".join(parts[len(head) :])
        return written

    return project_path


def _renamed(manifest: dict[str, Any]) -> dict[str, str]:
    found = manifest.get("renamed")
    if not isinstance(found, dict):
        return {}
    return {k: v for k, v in found.items() if isinstance(k, str) and isinstance(v, str)}
