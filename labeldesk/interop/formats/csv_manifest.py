"""CSV manifest: OUT/labels.csv with the images under OUT/images/.

Columns (:data:`.manifest_table.COLUMNS`): ``path`` (in the export), ``label``,
``split``, ``content_hash`` (BLAKE2b-128 of the file, hex), then the model's view of
each image — ``predicted``, ``confidence``, ``label_quality`` (the issue score in [0, 1],
low = likely mislabeled), ``suggested``, ``flagged`` (``true``/``false``), and last
``status`` (``verified``/``excluded``, empty when neither; read back on import). Without
embeddings the model's columns are present and empty, so a script reading them works
before and after a model exists. Cells that a spreadsheet would run as a formula are
neutralised (OWASP; :mod:`labeldesk.core.spreadsheet`), and LabelDesk's reader takes
that back off.

Import reads any CSV, TSV or JSON label file, with the usual column names found by
themselves (``path``/``file``/``image``…, ``label``/``class``/``category``…, ``split``)
or named in :class:`~.base.ImportOptions` (a Kaggle ``train.csv`` with ``id,category``:
``--path-column id --label-column category``). An id without an extension matches the
one image whose file stem equals it (:mod:`labeldesk.core.label_stems`).
"""

from __future__ import annotations

import csv
from pathlib import Path

from labeldesk.core.label_files import LabelFile, read_label_file
from labeldesk.core.spreadsheet import neutralise

from .base import Importer, ImportOptions, register_importer
from .manifest_table import (
    COLUMNS,
    ManifestTable,
    columns_of,
    format_cell,
    register_manifest_exporter,
)


@register_manifest_exporter("csv")
def _csv(table: ManifestTable, out: Path) -> None:
    """OUT/labels.csv with the images under OUT/images/ (see the module's docstring)."""
    with open(out / "labels.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for row in table.rows():
            writer.writerow([neutralise(format_cell(cell)) for cell in row])


def _sniff(path: Path) -> bool:
    """Any text label file LabelDesk has always read: CSV (or TSV), JSON, JSON lines.
    Tried last, after the formats with a recognisable shape."""
    return path.is_file() and path.suffix.lower() in (".csv", ".tsv", ".txt", ".json", ".jsonl")


def _read(path: Path, options: ImportOptions) -> LabelFile:
    return read_label_file(path, columns_of(options))  # (which refuses a huge file)


register_importer(
    Importer(
        "csv",
        "CSV or JSON manifest: path,label[,split] (LabelDesk's own, a Kaggle train.csv, …)",
        _sniff,
        _read,
    )
)
