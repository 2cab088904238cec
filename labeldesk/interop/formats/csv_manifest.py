"""CSV manifest: OUT/labels.csv (path,label,split) with the images under OUT/images/."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING

from labeldesk.core.label_files import LabelFile, read_label_file
from labeldesk.core.progress import CancelToken, ProgressCallback
from labeldesk.core.spreadsheet import neutralise

from ..writing import ExportOptions, ExportReport, Item, copy_images, register_exporter
from .base import Importer, ImportOptions, register_importer

if TYPE_CHECKING:
    from labeldesk.core.project import Project


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


def _sniff(path: Path) -> bool:
    """Any text label file LabelDesk has always read: CSV (or TSV), JSON, JSON lines.
    Tried last, after the formats with a recognisable shape."""
    return path.is_file() and path.suffix.lower() in (".csv", ".tsv", ".txt", ".json", ".jsonl")


def _read(path: Path, options: ImportOptions) -> LabelFile:
    return read_label_file(path)


register_importer(
    Importer(
        "csv",
        "CSV or JSON manifest: path,label[,split] (LabelDesk's own, a Kaggle train.csv, …)",
        _sniff,
        _read,
    )
)
