"""Exporting a curated dataset in the layouts people train from.

Exporters are registered by name; each writes into a fresh folder beside the target and
renames it into place at the end, so an export is all there or not there at all (a crash
or a cancel leaves the target untouched). Source images are never modified: they are
copied or hard-linked.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labeldesk.core.errors import Cancelled, LabelDeskError
from labeldesk.core.progress import CancelToken, Progress, ProgressCallback, no_progress
from labeldesk.core.registry import Registry

if TYPE_CHECKING:
    from labeldesk.core.project import Project


@dataclass(frozen=True)
class ExportOptions:
    link: str = "copy"  # "copy" or "hardlink" (falls back to copy across file systems)
    include_excluded: bool = False
    include_flagged: bool = True  # False: leave out images `labeldesk issues` flags
    include_unlabeled: bool = False
    overwrite: bool = False


@dataclass
class ExportReport:
    out: str
    format: str
    written: int = 0
    left_out: dict[str, int] = field(default_factory=dict)
    per_split: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "out": self.out,
            "format": self.format,
            "written": self.written,
            "left_out": self.left_out,
            "per_split": self.per_split,
        }


@dataclass(frozen=True)
class Item:
    path: str  # relative to the image root
    label: str | None
    split: str


Writer = Callable[["Project", list[Item], Path, ExportOptions, ProgressCallback, CancelToken], None]
EXPORTERS: Registry[Writer] = Registry("export format")
register_exporter = EXPORTERS.register


def export(
    project: Project,
    out: Path | str,
    fmt: str = "imagefolder",
    options: ExportOptions = ExportOptions(),
    *,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> ExportReport:
    writer = EXPORTERS.get(fmt)
    target = Path(out).resolve()
    if target.exists() and not options.overwrite:
        raise LabelDeskError(f"{target} already exists; pick a new folder or pass --overwrite")
    if project.root == target or project.root in target.parents or project.path in target.parents:
        raise LabelDeskError("export into a folder outside the image folder and the project")
    items, report = select_items(project, options)
    report.out, report.format = str(target), fmt
    staging = target.with_name(f".{target.name}.partial-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        writer(project, items, staging, options, progress, cancel or CancelToken())
        _write_manifest(project, staging, fmt, report, items)
        _replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    report.written = len(items)
    for item in items:
        report.per_split[item.split] = report.per_split.get(item.split, 0) + 1
    return report


def select_items(project: Project, options: ExportOptions) -> tuple[list[Item], ExportReport]:
    frame = project.images(include_skipped=False)
    report = ExportReport(out="", format="")
    keep = frame.label.notna() | options.include_unlabeled
    report.left_out["unlabeled"] = int((~keep).sum())
    excluded = frame.status.eq("excluded")
    if not options.include_excluded:
        report.left_out["excluded"] = int((keep & excluded).sum())
        keep &= ~excluded
    if not options.include_flagged:
        from labeldesk.ml.issues import label_issues

        flagged = {i.path for i in label_issues(project) if i.flagged}
        is_flagged = frame.path.isin(flagged)
        report.left_out["flagged"] = int((keep & is_flagged).sum())
        keep &= ~is_flagged
    items = [
        Item(p, lab if isinstance(lab, str) else None, s if isinstance(s, str) else "unassigned")
        for p, lab, s in zip(frame.path[keep], frame.label[keep], frame.split[keep], strict=True)
    ]
    return items, report


def place(project: Project, source_rel: str, dest: Path, link: str) -> None:
    """Copy or hard-link one image; never touches the source."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    source = project.image_path(source_rel)
    if link == "hardlink":
        try:
            os.link(source, dest)
            return
        except OSError:
            pass  # another file system, or links not allowed: copy instead
    shutil.copy2(source, dest)


def unique_name(used: set[str], folder: str, rel: str) -> str:
    """``folder/basename``, made unique when two images share a file name."""
    name = Path(rel).name
    candidate = f"{folder}/{name}"
    if candidate in used:
        stem, suffix = Path(name).stem, Path(name).suffix
        digest = hashlib.blake2b(rel.encode(), digest_size=4).hexdigest()
        candidate = f"{folder}/{stem}--{digest}{suffix}"
    used.add(candidate)
    return candidate


def copy_images(
    project: Project,
    items: list[Item],
    out: Path,
    options: ExportOptions,
    progress: ProgressCallback,
    cancel: CancelToken,
    folder_of: Callable[[Item], str],
) -> Iterator[tuple[Item, str]]:
    """Place every item under ``out/<folder_of(item)>/``; yield (item, its path in out)."""
    used: set[str] = set()
    for done, item in enumerate(items, start=1):
        if cancel.cancelled:
            raise Cancelled("export cancelled: nothing was written")
        rel = unique_name(used, folder_of(item), item.path)
        place(project, item.path, out / rel, options.link)
        yield item, rel
        if done % 200 == 0 or done == len(items):
            progress(Progress(done, len(items), "exporting"))


@register_exporter("imagefolder")
def _imagefolder(
    project: Project,
    items: list[Item],
    out: Path,
    options: ExportOptions,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> None:
    """OUT/<split>/<class>/<file>; unlabeled images (if asked for) in OUT/<split>/_unlabeled."""
    for _ in copy_images(
        project,
        items,
        out,
        options,
        progress,
        cancel,
        lambda item: f"{item.split}/{item.label or '_unlabeled'}",
    ):
        pass


@register_exporter("csv")
def _csv(
    project: Project,
    items: list[Item],
    out: Path,
    options: ExportOptions,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> None:
    """OUT/labels.csv (path,label,split) with the images under OUT/images/."""
    with open(out / "labels.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["path", "label", "split"])
        for item, rel in copy_images(
            project, items, out, options, progress, cancel, lambda item: "images"
        ):
            writer.writerow([rel, item.label or "", item.split])


def _write_manifest(
    project: Project, folder: Path, fmt: str, report: ExportReport, items: list[Item]
) -> None:
    last = project.db.scalar("SELECT COALESCE(MAX(id), 0) FROM label_events")
    (folder / "labeldesk-export.json").write_text(
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
            },
            indent=2,
        )
    )


def _replace(staging: Path, target: Path) -> None:
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
        os.replace(staging, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(staging, target)
