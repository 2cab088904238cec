"""Exporting a curated dataset in the layouts people train from.

Formats are registered by name (one module each in :mod:`labeldesk.interop.formats`,
built from :mod:`labeldesk.interop.writing`); each writes into a fresh folder beside the
target, which is renamed into place at the end, so an export is all there or not there
at all (a crash or a cancel leaves the target untouched). Source images are never
modified: they are copied or hard-linked.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING

from labeldesk.core.progress import CancelToken, ProgressCallback, no_progress
from labeldesk.core.staging import finish_staging, make_staging, remove_stale
from labeldesk.core.vocab import EXCLUDED

from . import formats  # noqa: F401  (registers every format)
from .export_target import MANIFEST, check_target, contents, put_in_place
from .writing import (
    EXPORTERS,
    ExportOptions,
    ExportReport,
    Item,
    SkipItem,
    Writer,
    copy_images,
    place,
    register_exporter,
    unique_name,
)

__all__ = [
    "EXPORTERS",
    "ExportOptions",
    "ExportReport",
    "Item",
    "SkipItem",
    "Writer",
    "copy_images",
    "export",
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
    remove_stale(Path(out).expanduser().resolve())  # an interrupted run's leftovers first
    target = check_target(project, out, overwrite=options.overwrite)
    project.check_root()
    items, report = select_items(project, options)
    report.out, report.format = str(target), fmt
    staging = make_staging(target)
    try:
        writer(project, items, staging, options, progress, cancel or CancelToken(), report)
        written = [item for item in items if item.path not in report.failed_paths()]
        finish_staging(staging)
        _write_manifest(project, staging, fmt, report, written)  # last: it lists the files
        put_in_place(staging, target, overwrite=options.overwrite)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    report.written = len(written)
    for item in written:
        report.per_split[item.split] = report.per_split.get(item.split, 0) + 1
    return report


def select_items(project: Project, options: ExportOptions) -> tuple[list[Item], ExportReport]:
    frame = project.images(include_skipped=False)
    report = ExportReport(out="", format="")
    keep = frame.label.notna() | options.include_unlabeled
    report.left_out["unlabeled"] = int((~keep).sum())
    excluded = frame.status.eq(EXCLUDED)
    if not options.include_excluded:
        report.left_out[EXCLUDED] = int((keep & excluded).sum())
        keep &= ~excluded
    if not options.include_flagged:
        from labeldesk.ml.issues import label_issues

        flagged = {i.path for i in label_issues(project) if i.flagged}
        is_flagged = frame.path.isin(flagged)
        report.left_out["flagged"] = int((keep & is_flagged).sum())
        keep &= ~is_flagged
    chosen = frame[keep]
    items = [
        Item(
            p,
            lab if isinstance(lab, str) else None,
            s if isinstance(s, str) else "unassigned",
            int(image_id),
            h if isinstance(h, str) else None,
        )
        for image_id, p, lab, s, h in zip(
            chosen.index, chosen.path, chosen.label, chosen.split, chosen.hash, strict=True
        )
    ]
    return items, report


def _write_manifest(
    project: Project, folder: Path, fmt: str, report: ExportReport, items: list[Item]
) -> None:
    from labeldesk.core.labels import last_event_id

    last = last_event_id(project.db)
    (folder / MANIFEST).write_text(
        json.dumps(
            {
                "format": fmt,
                "exported_at": time.time(),
                "project": str(project.path),
                "image_root": str(project.root),
                "label_event_id": last,
                "images": len(items),
                "classes": project.classes(),
                "left_out": report.left_out,
                "contents": contents(folder),
            },
            indent=2,
        )
    )
