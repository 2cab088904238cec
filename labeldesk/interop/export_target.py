"""Where an export may be written, and which folder it may replace.

LabelDesk deletes only what it created. An export may replace a folder only when that
folder is itself an earlier LabelDesk export (it holds the export manifest) and holds
neither the image folder nor the project; it is never the image folder, the project, a
folder inside either, or a folder that contains either. Anything else is refused with a
message that says why, before a single file is written.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from labeldesk.core.db import DB_FILENAME
from labeldesk.core.errors import LabelDeskError
from labeldesk.core.staging import aside_name

if TYPE_CHECKING:
    from labeldesk.core.project import Project

MANIFEST = "labeldesk-export.json"


class ExportTargetError(LabelDeskError):
    """The folder given for an export cannot be used (or replaced) safely."""


def is_export(folder: Path) -> bool:
    """Was ``folder`` written by a LabelDesk export (a readable manifest of one)?"""
    manifest = folder / MANIFEST
    if not manifest.is_file() or manifest.is_symlink():
        return False
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return False
    return isinstance(data, dict) and "format" in data and "exported_at" in data


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_target(project: Project, out: Path | str, *, overwrite: bool) -> Path:
    """The resolved export folder, or ExportTargetError saying why it cannot be used."""
    target = Path(out).expanduser().resolve()
    for name, protected in (("image folder", project.root), ("project", project.path)):
        protected = protected.resolve()
        if _within(target, protected):
            raise ExportTargetError(
                f"{target} is inside the {name} ({protected}); export into a folder "
                "outside the image folder and the project"
            )
        if _within(protected, target):
            raise ExportTargetError(
                f"{target} contains the {name} ({protected}); LabelDesk never replaces it, "
                "pick a new folder for the export"
            )
    if not target.exists():
        if target.is_symlink():
            raise ExportTargetError(f"{target} is a broken symbolic link; pick a new folder")
        return target
    if not target.is_dir():
        raise ExportTargetError(f"{target} is a file; pick a new folder for the export")
    if not any(target.iterdir()):
        return target  # an empty folder made for it
    if not is_export(target) or (target / DB_FILENAME).exists():
        raise ExportTargetError(
            f"{target} already exists and is not a LabelDesk export; LabelDesk replaces only "
            f"a folder it exported before (one holding {MANIFEST}). Pick a new folder."
        )
    if not overwrite:
        raise ExportTargetError(
            f"{target} holds an earlier export; replace it (--overwrite) or pick a new folder"
        )
    return target


def put_in_place(staging: Path, target: Path) -> None:
    """Rename the finished export into place; an earlier export there is set aside and
    then deleted (check_target made sure it is one)."""
    if target.is_dir() and not any(target.iterdir()):
        target.rmdir()
    if not target.exists():
        os.replace(staging, target)
        return
    if not is_export(target):  # changed since it was checked
        raise ExportTargetError(f"{target} is no longer an earlier export; nothing replaced")
    old = aside_name(target)
    os.replace(target, old)
    try:
        os.replace(staging, target)
    except OSError:
        os.replace(old, target)  # put the earlier export back
        raise
    shutil.rmtree(old, ignore_errors=True)
