"""Exporting a curated dataset in the layouts people train from.

Exporters are registered by name; each writes into a fresh folder beside the target and
renames it into place at the end, so an export is all there or not there at all (a crash
or a cancel leaves the target untouched). Source images are never modified: they are
copied or hard-linked.
"""

from __future__ import annotations

import csv
import errno
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labeldesk.core.errors import Cancelled
from labeldesk.core.progress import CancelToken, Progress, ProgressCallback, no_progress
from labeldesk.core.registry import Registry
from labeldesk.core.spreadsheet import neutralise
from labeldesk.core.staging import finish_staging, make_staging, remove_stale
from labeldesk.core.vocab import EXCLUDED

from .export_target import MANIFEST, check_target, contents, put_in_place

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
    failed: list[dict[str, str]] = field(default_factory=list)  # {"path", "reason"}

    def failed_paths(self) -> set[str]:
        return {f["path"] for f in self.failed}

    def to_json(self) -> dict[str, Any]:
        return {
            "out": self.out,
            "format": self.format,
            "written": self.written,
            "left_out": self.left_out,
            "per_split": self.per_split,
            "failed": self.failed,
        }


@dataclass(frozen=True)
class Item:
    path: str  # relative to the image root
    label: str | None
    split: str


Writer = Callable[
    ["Project", list[Item], Path, ExportOptions, ProgressCallback, CancelToken, ExportReport],
    None,
]
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
    items = [
        Item(p, lab if isinstance(lab, str) else None, s if isinstance(s, str) else "unassigned")
        for p, lab, s in zip(frame.path[keep], frame.label[keep], frame.split[keep], strict=True)
    ]
    return items, report


def place(project: Project, source_rel: str, dest: Path, link: str) -> None:
    """Copy or hard-link one image; never touches the source (nor, unless the project
    follows them, a file that a symbolic link leads to outside the image folder)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    source = project.image_path(source_rel)
    if not project.follows_outside_links:
        real, root = os.path.realpath(source), os.path.realpath(project.root)
        if os.path.commonpath([real, root]) != root:
            raise SkipItem("a symbolic link to outside the image folder (not followed)")
    if link == "hardlink":
        try:
            os.link(source, dest)
            return
        except OSError:
            pass  # another file system, or links not allowed: copy instead
    shutil.copy2(source, dest)


MAX_NAME_BYTES = 240  # below the usual 255-byte limit, with room for a "--digest"


def unique_name(used: set[str], folder: str, rel: str) -> str:
    """``folder/basename``, made unique when two images share a file name, and short
    enough for the file system (a long name is cut and given a digest of its path)."""
    name = Path(rel).name
    stem, suffix = Path(name).stem, Path(name).suffix
    if len(suffix.encode()) > 16:  # not a real extension: keep it in the cut stem
        stem, suffix = name, ""
    digest = hashlib.blake2b(rel.encode(), digest_size=4).hexdigest()
    if len(name.encode()) > MAX_NAME_BYTES:
        name = f"{_cut(stem, MAX_NAME_BYTES - 12 - len(suffix.encode()))}--{digest}{suffix}"
    candidate = f"{folder}/{name}"
    if candidate in used:
        candidate = (
            f"{folder}/{_cut(stem, MAX_NAME_BYTES - 12 - len(suffix.encode()))}--{digest}{suffix}"
        )
    used.add(candidate)
    return candidate


def _cut(text: str, max_bytes: int) -> str:
    """``text`` cut to at most ``max_bytes`` of UTF-8, never inside a character."""
    return text.encode()[:max_bytes].decode(errors="ignore")


class SkipItem(Exception):
    """This one image cannot be exported; the rest can (the reason says why)."""


# Errors that say something is wrong with one source image, not with the export.
_ITEM_ERRNOS = (errno.ENOENT, errno.EACCES, errno.EPERM, errno.EISDIR, errno.ELOOP)


def copy_images(
    project: Project,
    items: list[Item],
    out: Path,
    options: ExportOptions,
    progress: ProgressCallback,
    cancel: CancelToken,
    report: ExportReport,
    folder_of: Callable[[Item], str],
) -> Iterator[tuple[Item, str]]:
    """Place every item under ``out/<folder_of(item)>/``; yield (item, its path in out).

    An image that vanished or cannot be read is recorded in ``report.failed`` and left
    out; any other error (a full disk) ends the export."""
    used: set[str] = set()
    for done, item in enumerate(items, start=1):
        if cancel.cancelled:
            raise Cancelled("export cancelled: nothing was written")
        rel = unique_name(used, folder_of(item), item.path)
        try:
            place(project, item.path, out / rel, options.link)
        except SkipItem as exc:
            report.failed.append({"path": item.path, "reason": str(exc)})
            continue
        except OSError as exc:
            if exc.errno not in _ITEM_ERRNOS or not _source_problem(project, item, exc):
                raise
            report.failed.append({"path": item.path, "reason": exc.strerror or str(exc)})
            continue
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
    report: ExportReport,
) -> None:
    """OUT/<split>/<class>/<file>; unlabeled images (if asked for) in OUT/<split>/_unlabeled."""
    for _ in copy_images(
        project,
        items,
        out,
        options,
        progress,
        cancel,
        report,
        _imagefolder_place,
    ):
        pass


def _imagefolder_place(item: Item) -> str:
    """OUT/<split>/<class>, OUT/<split>/_unlabeled; unlabeled without a split: OUT/_unlabeled
    (as the scanner reads it back: no class, no split)."""
    if item.label is None and item.split == "unassigned":
        return "_unlabeled"
    return f"{item.split}/{item.label or '_unlabeled'}"


@register_exporter("csv")
def _csv(
    project: Project,
    items: list[Item],
    out: Path,
    options: ExportOptions,
    progress: ProgressCallback,
    cancel: CancelToken,
    report: ExportReport,
) -> None:
    """OUT/labels.csv (path,label,split) with the images under OUT/images/.

    Cells that a spreadsheet would run as a formula are neutralised (OWASP)."""
    with open(out / "labels.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["path", "label", "split"])
        for item, rel in copy_images(
            project, items, out, options, progress, cancel, report, lambda item: "images"
        ):
            split = "" if item.split == "unassigned" else item.split
            writer.writerow([neutralise(c) for c in (rel, item.label or "", split)])


def _source_problem(project: Project, item: Item, exc: OSError) -> bool:
    """Did ``exc`` come from reading the source image (not from writing the export)?"""
    return exc.filename is None or Path(exc.filename) == project.image_path(item.path)


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
