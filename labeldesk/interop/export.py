"""Exporting a curated dataset in the layouts people train from.

Formats are registered by name (one module each in :mod:`labeldesk.interop.formats`,
built from :mod:`labeldesk.interop.writing`); each writes into a fresh folder beside the
target, which is renamed into place at the end, so an export is all there or not there
at all (a crash or a cancel leaves the target untouched). Source images are never
modified: they are copied or hard-linked. Which images, labels and splits are written is
decided once for every format (:mod:`labeldesk.interop.selection`), and the manifest
written last (:mod:`labeldesk.interop.manifest`) makes the same state write the same bytes.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shlex
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labeldesk.core.durable import sync_folders
from labeldesk.core.errors import ImageRootError
from labeldesk.core.progress import CancelToken, ProgressCallback, no_progress
from labeldesk.core.staging import (
    delete_marked,
    finish_staging,
    make_staging,
    missing_parents,
    remove_made_parents,
    remove_stale,
)

from . import formats  # noqa: F401  (registers every format)
from .export_leaks import find_leakage
from .export_names import unique_name
from .export_portable import check_names
from .export_target import check_target, put_in_place
from .formats.export_paths import CLASS_FOLDERS, IMAGES_IN_SHARDS, MODEL_COLUMNS
from .manifest import write_manifest
from .placing import CHANGED_SINCE_INDEXED, GONE_SINCE_INDEXED, SkipItem, place
from .selection import Selection, parse_class_map, select_items
from .writing import (
    EXPORTERS,
    UNASSIGNED,
    ExportOptions,
    ExportReport,
    ExportRun,
    Item,
    Writer,
    copy_images,
    register_exporter,
)

__all__ = [
    "EXPORTERS",
    "ExportOptions",
    "ExportReport",
    "ExportRun",
    "Item",
    "Selection",
    "SkipItem",
    "Writer",
    "copy_images",
    "export",
    "parse_class_map",
    "place",
    "register_exporter",
    "select_items",
    "unique_name",
]

if TYPE_CHECKING:
    from labeldesk.core.project import Project


def export(
    project: Project,
    out: Path | str,
    fmt: str = "imagefolder",
    options: ExportOptions = ExportOptions(),
    *,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> ExportReport:
    """Write the export into a staging folder beside ``out``, then rename it into place.

    ``out`` must be new, empty, or (with ``overwrite``) an earlier LabelDesk export; see
    :mod:`labeldesk.interop.export_target`. An image that vanished or cannot be read is
    left out and listed in ``report.failed``; anything else (a full disk, a cancel)
    leaves ``out`` as it was.
    """
    writer = EXPORTERS.get(fmt)
    cancel = cancel or CancelToken()
    # An interrupted run's leftovers first (it may have left a link dangling); a loop of
    # links cannot be resolved: check_target says so.
    with contextlib.suppress(RuntimeError, OSError):
        remove_stale(Path(out).expanduser().resolve())
    target = check_target(project, out, overwrite=options.overwrite)
    project.check_root()
    chosen = select_items(
        project,
        options,
        cancel=cancel,
        class_folders=fmt in CLASS_FOLDERS,
        model_columns=fmt in MODEL_COLUMNS,
    )
    items, report = chosen.items, chosen.report
    # the classes and the class map as applied (a class typed in another Unicode form
    # found): what formats that name classes or map the model's guesses use
    class_map = tuple(chosen.class_map.items())
    options = replace(options, classes=tuple(chosen.classes), class_map=class_map)
    report.out, report.format = str(target), fmt
    made = missing_parents(target)  # removed again (while empty) if the export fails
    staging = make_staging(target)
    try:
        # names the destination cannot hold: a class's folder refused, before a file is
        # written; an image's made safe (export_portable)
        unwritable = check_names(
            staging,
            [] if fmt in IMAGES_IN_SHARDS else [item.path for item in items],
            {item.label for item in items if item.label} if fmt in CLASS_FOLDERS else (),
            project=str(project.path),
        )
        options = replace(options, unwritable=unwritable)
        writer(ExportRun(project, items, staging, options, progress, cancel, report))
        failed = report.failed_paths()
        for item in items:
            if item.path not in failed:
                report.written += 1
                split = UNASSIGNED if item.path in report.kept_apart else item.split
                report.per_split[split] = report.per_split.get(split, 0) + 1
                if item.status is not None and not report.carries_status:
                    report.statuses_not_written += 1
        if items and not report.written:  # every image failed: an empty mount point
            raise _nothing_readable(project, report)
        if failed and project.root_went_away():  # its drive unplugged as it was read
            raise _gone_midway(project, report, len(items))
        if failed and report.made_splits:  # the splits as written, not as planned
            sizes = report.made_splits["sizes"]
            report.made_splits["sizes"] = {s: report.per_split.get(s, 0) for s in sizes}
        _count_where_written(report)
        # a warning only: what is written stays as it is
        report.leakage = find_leakage(project, items, report, progress=progress, cancel=cancel)
        # last: it lists (and hashes) every file the format wrote; the staging marker
        # stays until then, so a run killed while hashing is cleaned up by the next one
        write_manifest(project, staging, fmt, options, report, progress, cancel)
        sync_folders(folder.parent for folder in made)  # the folders made above it, then
        put_in_place(staging, target, overwrite=options.overwrite)  # it (and its folder)
        finish_staging(target)
    except BaseException as exc:
        delete_marked(staging)  # its marker last: a kill mid-way leaves it recognisable
        remove_made_parents(made)  # the folders it made above the target, while empty
        if isinstance(exc, OSError):
            _name_the_target(exc, staging, target)
        raise
    return report


_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def _name_the_target(exc: OSError, staging: Path, target: Path) -> None:
    """A write into the staging folder that failed names the export folder instead: the
    staging folder is gone by now, and a full disk's error named no file at all (a file
    object's write) or a file in that hidden folder, not the export folder the person
    chose (seen on a real full disk: "no space left on the disk; …")."""
    for attr in ("filename", "filename2"):
        name = getattr(exc, attr)
        if name is None:
            if attr == "filename" and exc.errno in _FULL:
                exc.filename = str(target)
            continue
        if Path(os.fsdecode(name)).is_relative_to(staging):
            setattr(exc, attr, str(target))


def _nothing_readable(project: Project, report: ExportReport) -> ImageRootError:
    """The error for an export none of whose images could be read: likely the image
    folder's drive is not mounted (its mount point is there, empty) or the folder moved."""
    first = report.failed[0]
    project_arg = shlex.quote(str(project.path))
    if all(f["reason"] == CHANGED_SINCE_INDEXED for f in report.failed):
        return ImageRootError(
            f"nothing was exported: the files of all {len(report.failed)} images changed "
            f"since they were indexed (e.g. {first['path']}); run `labeldesk scan "
            f"{project_arg}`, then export again"
        )
    return ImageRootError(
        f"nothing was exported: none of the {len(report.failed)} images could be read from "
        f"the image folder {project.root} (e.g. {first['path']}: {_why(first)}); if it "
        "is on a drive or a share, check that it is mounted; if the folder moved, run "
        f"`labeldesk scan {project_arg} --images NEW_FOLDER`"
    )


def _gone_midway(project: Project, report: ExportReport, total: int) -> ImageRootError:
    """The error for an export whose image folder went away while it was read (its
    drive unplugged, the folder moved): the export would lack every image still to come,
    so none is written (an earlier export there stays as it was)."""
    first = report.failed[0]
    return ImageRootError(
        f"nothing was exported: the image folder {project.root} went away during the "
        f"export ({len(report.failed)} of the {total} images could not be read, e.g. "
        f"{first['path']}: {_why(first)}); if it is on a drive or a share, check that "
        "it is mounted and export again; if the folder moved, run "
        f"`labeldesk scan {shlex.quote(str(project.path))} --images NEW_FOLDER`"
    )


def _why(failed: dict[str, Any]) -> str:
    """A failed image's reason, in an error that says the whole folder may be gone: not
    found (not "rescan the project", which an unmounted drive's folder must not be)."""
    return "not found" if failed["reason"] == GONE_SINCE_INDEXED else str(failed["reason"])


def _count_where_written(report: ExportReport) -> None:
    """per_split as the export holds them: an image without a split that the format wrote
    among a split's images (``report.no_split``) counts there, not as "unassigned"."""
    for split in report.no_split.values():
        report.per_split[UNASSIGNED] -= 1
        report.per_split[split] = report.per_split.get(split, 0) + 1
    if report.per_split.get(UNASSIGNED) == 0:
        del report.per_split[UNASSIGNED]
