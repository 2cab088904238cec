"""An export's manifest read for ``labeldesk version P verify``: the folder refused with
what it is where it holds none to check (no such folder, a file, no manifest, a FIFO in
its place), and a manifest refused where it records what no export writes (its lists of
paths, its class map, a ``--since`` version this project does not have)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labeldesk.core.display import shown_path
from labeldesk.core.errors import LabelDeskError
from labeldesk.core.file_kinds import is_present, special_kind
from labeldesk.core.image_lookup import changed_after
from labeldesk.core.json_shown import json_shown

from .export_target import MANIFEST, export_manifest

if TYPE_CHECKING:
    from labeldesk.core.project import Project


class NotAnExport(LabelDeskError):
    """A folder with no LabelDesk export manifest in it."""


class DamagedManifest(NotAnExport):
    """An export manifest that cannot be read, or records what no export writes."""


def read_manifest(folder: Path) -> dict[str, Any]:
    """The export's manifest, or an error that says why ``folder`` has none to check."""
    where = shown_path(str(folder))
    if not folder.exists():
        raise NotAnExport(f"{where}: no such folder (give the folder `labeldesk export` wrote)")
    if not folder.is_dir():
        raise NotAnExport(f"{where} is a file, not an export folder")
    manifest = export_manifest(folder)
    if manifest is not None and _readable(manifest):
        return manifest
    file = folder / MANIFEST
    if not file.is_symlink() and is_present(file) and not file.is_file():
        kind = special_kind(file.stat().st_mode)
        raise DamagedManifest(
            f"{where}/{MANIFEST} is {kind}, not an export manifest (not opened): put back "
            "the copy you kept, or export the version again"
        )
    if os.path.lexists(folder / MANIFEST):
        raise DamagedManifest(
            f"{where}/{MANIFEST} is not an export manifest LabelDesk can read (cut short, "
            "or edited): put back the copy you kept, or export the version again"
        )
    raise NotAnExport(f"{where} holds no LabelDesk export ({MANIFEST})")


def _readable(manifest: dict[str, Any]) -> bool:
    """The manifest's lists of paths hold paths (texts), as an export writes them: an
    edited one (a list or a number for a path) is refused, not an internal error."""
    contents = manifest.get("contents", {})
    lists = [manifest.get("gif_as_png", [])]
    if isinstance(contents, dict) and "empty_folders" in contents:
        lists.append(contents["empty_folders"])
    left = [manifest.get("missing", []), manifest.get("failed", [])]
    return (
        all(isinstance(paths, list) and all(isinstance(p, str) for p in paths) for paths in lists)
        and all(isinstance(rows, list) for rows in left)
        and all(
            isinstance(row.get("path", ""), str)
            for rows in left
            for row in rows
            if isinstance(row, dict)
        )
        and isinstance(manifest.get("left_out", {}), dict)
    )


def class_map(folder: Path, recorded: object) -> tuple[tuple[str, str | None], ...]:
    pairs = recorded or []
    if not isinstance(pairs, list) or not all(
        isinstance(p, list) and len(p) == 2 and isinstance(p[0], str)
        and (p[1] is None or isinstance(p[1], str))
        for p in pairs
    ):  # fmt: skip
        raise DamagedManifest(
            f"{shown_path(str(folder))}/{MANIFEST}: its class map is not one LabelDesk "
            "wrote (a list of [old, new] names): the manifest was edited"
        )
    return tuple((old, new) for old, new in pairs)


def known_since(project: Project, folder: Path, since: object) -> None:
    """The ``--since`` version the export records is one of the project's."""
    from labeldesk.core.versions import VersionError, get_version

    try:
        if isinstance(since, str):
            get_version(project.db, since)
            return
    except VersionError:
        pass
    raise DamagedManifest(
        f"{shown_path(str(folder))} was exported with --since {json_shown(since)}, which is no "
        "version of this project: it is another project's export, or its manifest was "
        "edited"
    )


def manifest_rows(manifest: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The entries of the manifest's list ``key`` that are objects (none where it has no
    such list)."""
    rows = manifest.get(key)
    return [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []


def newer_than_export(project: Project, folder: Path, paths: list[str]) -> set[str]:
    """Those of ``paths`` whose file the project indexed with a status-change time
    (st_ctime) after the export's manifest was written: created, copied in, moved or
    changed since the export, so an export of the labels of its day could not hold them.
    A file indexed without one (before LabelDesk kept it), or a manifest that cannot be
    stat'ed, tells nothing: not among them."""
    try:
        written = (folder / MANIFEST).stat().st_mtime_ns
    except OSError:
        return set()
    return changed_after(project, paths, written)
