"""What the CSV and Parquet manifests hold, built once for both, and the checks every
tabular importer makes before it reads a byte.

One row per exported image: where it is in the export, its label and split, its content
hash, and what the model says about it — joined by image id through
:func:`labeldesk.ml.image_values.model_values`, the one join of the model's values onto
the images. Before anything is embedded the model's columns are there and empty, so a
reader's schema does not change once a model exists.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from labeldesk.core.label_file_formats import Columns

from ..writing import (
    ExportRun,
    copy_images,
    export_classes,
    image_folder,
    register_exporter,
    verified_label,
)
from .base import ImportOptions

if TYPE_CHECKING:
    from pathlib import Path

    import numpy as np
    import pandas as pd

    from labeldesk.core.progress import CancelToken
    from labeldesk.core.project import Project

    from ..writing import ExportOptions, Item

# path: in the export (images/<file>); split: train/val/test, empty when none;
# content_hash: the indexed file's BLAKE2b-128 (hex); predicted/confidence: the model's
# class (through the export's class map) and its probability; label_quality: the issue
# score in [0, 1], low = likely mislabeled; suggested: the class the model proposes
# instead; flagged: listed by `labeldesk issues`. The model's columns are empty for an
# image it has not scored.
# status: verified or excluded (a person's review), empty when neither: an import reads
# it back (added last, so readers that take the columns by position are not moved);
# verified_label: the label a "verified" was given for, so a label another tool changes
# comes back unverified (labeldesk.core.label_status)
COLUMNS = (
    "path", "label", "split", "content_hash", "predicted", "confidence", "label_quality",
    "suggested", "flagged", "status", "verified_label",
)  # fmt: skip
MODEL_COLUMNS = COLUMNS[4:9]

Cell = str | float | bool | None


@dataclass
class ManifestTable:
    """The manifest as columns (``None`` where a value is missing), in :data:`COLUMNS`."""

    columns: dict[str, list[Cell]]

    def rows(self) -> Iterator[list[Cell]]:
        """Each row in turn (never all at once: a million rows beside the columns would
        double what the manifest holds)."""
        for row in zip(*(self.columns[c] for c in COLUMNS), strict=True):
            yield list(row)


def manifest_table(
    project: Project,
    written: list[tuple[Item, str]],
    options: ExportOptions,
    cancel: CancelToken | None = None,
) -> ManifestTable:
    """The manifest of the images ``written`` (item, its path in the export), in order.
    The model's classes go through the export's class map, as the labels did: a class
    the export does not have (dropped, say) leaves the cell empty."""
    columns: dict[str, list[Cell]] = {
        "path": [rel for _, rel in written],
        "label": [item.label for item, _ in written],
        "split": [None if item.split == "unassigned" else item.split for item, _ in written],
        "content_hash": [item.hash for item, _ in written],
        "status": [item.status for item, _ in written],
        "verified_label": [verified_label(item) for item, _ in written],
    }
    values = _model_values(project, [item.image_id for item, _ in written], cancel)
    if values is None:
        for name in MODEL_COLUMNS:
            columns[name] = [None] * len(written)
        return ManifestTable(columns)
    scored = values.insights_row.fillna(-1).to_numpy() >= 0
    mapped = _mapped(dict(options.class_map), export_classes(project, options))
    predicted = [mapped(v) if s else None for v, s in zip(values.predicted, scored, strict=True)]
    columns["predicted"] = predicted
    # a guess the export has no class for has no confidence either
    columns["confidence"] = _numbers(
        values.confidence.to_numpy(), [p is not None for p in predicted]
    )
    # flagged and label quality judge today's label: blank for a version's other label,
    # and for one the class map merges with its suggestion (selection.select_items)
    judged = [bool(s) and item.label_judged for s, (item, _) in zip(scored, written, strict=True)]
    columns["label_quality"] = _numbers(values.issue_score.to_numpy(), judged)
    columns["suggested"] = [
        mapped(v) if s else None for v, s in zip(values.suggested, scored, strict=True)
    ]
    flagged = values.flagged.to_numpy()
    columns["flagged"] = [bool(f) if j else None for f, j in zip(flagged, judged, strict=True)]
    return ManifestTable(columns)


TableWriter = Callable[["ManifestTable", "Path"], None]


def register_manifest_exporter(name: str) -> Callable[[TableWriter], TableWriter]:
    """Decorator: export format ``name`` copies the images under OUT/images/ and has the
    decorated ``write(table, out)`` write their manifest (the CSV's and the Parquet's
    one way of exporting; only the file they write differs)."""

    def add(write: TableWriter) -> TableWriter:
        def export(run: ExportRun) -> None:
            written = list(copy_images(run, image_folder))
            table = manifest_table(run.project, written, run.options, run.cancel)
            run.report.carries_status = True  # its status column
            write(table, run.out)

        export.__doc__ = write.__doc__
        register_exporter(name)(export)
        return write

    return add


def _model_values(
    project: Project, ids: list[int], cancel: CancelToken | None
) -> pd.DataFrame | None:
    """The model's values of ``ids`` (in that order), or None while nothing is embedded."""
    from labeldesk.ml.image_values import model_values
    from labeldesk.ml.insights import insights_if_embedded

    insights = insights_if_embedded(project, cancel=cancel)
    if insights is None or not len(insights):
        return None
    return model_values(project, insights=insights).reindex(ids)


def _mapped(class_map: dict[str, str | None], classes: list[str]) -> Callable[[object], Cell]:
    """A model's class name as the export names it (through its class map), or None: no
    name, a dropped class, one the export does not list (as Label Studio's predictions)."""
    listed = set(classes)

    def mapped(value: object) -> Cell:
        if not isinstance(value, str):
            return None
        name = class_map.get(value, value)
        return name if name in listed else None

    return mapped


def _numbers(values: np.ndarray, scored: Sequence[bool] | np.ndarray) -> list[Cell]:
    return [
        float(v) if s and not math.isnan(v) else None for v, s in zip(values, scored, strict=True)
    ]


def format_cell(value: Cell) -> str:
    """A cell as the CSV writes it: empty for missing, numbers to 6 significant digits
    (the same state writes the same bytes), booleans as ``true``/``false``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}"
    return value


# -- importing -----------------------------------------------------------------------
def columns_of(options: ImportOptions, path: str | None = None) -> Columns:
    """The column names ``options`` give (``path``: the path column's default instead)."""
    return Columns(options.path_column or path, options.label_column, options.split_column)
