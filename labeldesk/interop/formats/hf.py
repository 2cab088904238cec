"""Hugging Face ``imagefolder``: what ``datasets.load_dataset("imagefolder", data_dir=OUT)``
loads, every image with its label.

Export: OUT/<split>/<class>/<file> (``train``, ``val``, ``test``; datasets names ``val``
"validation"). An unlabeled image without a split goes to ``train/_unlabeled``: datasets
loads nothing outside its split folders once there are any, and ``train`` is what it
calls files that have no split. The manifest lists those files (``no_split``), so that
LabelDesk reads them back without a split (:mod:`.export_paths`), into this project or
any other. datasets reads the label one of two ways, and which one decides its type:

- **ClassLabel** — with no metadata file, datasets takes the label from the folder name
  and makes ``label`` a ``ClassLabel`` (names sorted alphabetically), which training
  scripts want (``features["label"].names``, integer labels). LabelDesk writes this
  layout whenever datasets reads it exactly: every image labeled, at least two classes,
  image file extensions datasets knows, and no class name datasets takes for a split or
  hides (a word like train/val/test/dev/eval, a leading ``__``).
- **string** — otherwise (unlabeled images included, a single class, such names) each
  split folder gets ``metadata.jsonl`` (``{"file_name": "<class>/<file>", "label": …}``,
  ``label`` null when unlabeled). A metadata file makes datasets ignore the folder names,
  so ``label`` is a string column (``ds.class_encode_column("label")`` turns it into a
  ClassLabel). Images of a class whose name datasets would take for a split sit directly
  in the split folder, so it cannot invent a split. datasets needs every metadata file to
  have the same column types, and a JSON file whose labels are all null has none; so when
  a split would hold only unlabeled images, every split gets ``metadata.parquet`` with a
  typed string ``label`` column instead. Where any image has a review status, the
  metadata (Parquet, for the same reason) has a ``status`` column, read back on import,
  and a ``verified_label`` column (the label a ``verified`` was given for).

Import (:mod:`.hf_metadata`): a folder with ``metadata.jsonl``, ``metadata.csv`` or
``metadata.parquet`` (at its root or in its split folders) holding ``file_name`` and a
label column.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from labeldesk.core.layout import UNLABELED_FOLDER

from ..export_names import READ_BY_EXTENSION
from ..writing import (
    UNASSIGNED,
    ExportRun,
    Item,
    copy_images,
    register_exporter,
    verified_label,
)
from .base import Importer, register_importer
from .hf_metadata import read_metadata, sniff_metadata

# datasets finds splits by these words in folder names (datasets/data_files.py,
# SPLIT_KEYWORDS), alone or set off by one of "-._ 0-9" on either side.
SPLIT_WORDS = (
    "train", "training", "validation", "valid", "dev", "val", "test", "testing", "eval",
    "evaluation",
)  # fmt: skip
_SPLIT_WORD = re.compile(rf"(^|[-._ 0-9])({'|'.join(SPLIT_WORDS)})($|[-._ 0-9])", re.IGNORECASE)
IMAGE_SUFFIXES = READ_BY_EXTENSION  # what datasets reads (and more)


def reads_as_split(name: str) -> bool:
    """Whether datasets would take a folder called ``name`` for a split."""
    return _SPLIT_WORD.search(name) is not None


def split_folder(item: Item) -> str:
    return "train" if item.split == UNASSIGNED else item.split


def _place(item: Item) -> str:
    if item.label is None:
        return f"{split_folder(item)}/{UNLABELED_FOLDER}"
    if reads_as_split(item.label):
        return split_folder(item)  # the metadata names its class
    return f"{split_folder(item)}/{item.label}"


@register_exporter("hf")
def _hf(run: ExportRun) -> None:
    """OUT/<split>/<class>/<file>, plus per-split metadata when the folders alone would
    not give every label (see the module's docstring)."""
    out, report = run.out, run.report
    written = list(copy_images(run, _place, all_paths=True, typed=True))
    report.no_split.update(
        {rel: split_folder(item) for item, rel in written if item.split == UNASSIGNED}
    )
    if folders_are_labels(written):
        return
    per_split: dict[str, list[dict[str, str | None]]] = {}
    statuses = any(item.status is not None for item, _ in written)
    for item, rel in written:
        split, file_name = rel.split("/", 1)
        row = {"file_name": file_name, "label": item.label}
        if statuses:  # (a column in every split's file, as datasets needs)
            row["status"] = item.status
            row["verified_label"] = verified_label(item)
        per_split.setdefault(split, []).append(row)
    report.carries_status = True  # in the metadata, where any image has one
    if statuses or (
        any(all(row["label"] is None for row in rows) for rows in per_split.values())
        and any(item.label is not None for item, _ in written)
    ):  # typed columns: JSON lines would make a split's all-empty column "null"
        _write_parquet(out, per_split)
        return
    for split, rows in per_split.items():
        lines = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        (out / split / "metadata.jsonl").write_text(lines, encoding="utf-8")


def folders_are_labels(written: Iterable[tuple[Item, str]]) -> bool:
    """Whether datasets, reading the folders alone, gives every written image its label
    as a ClassLabel (see the module's docstring)."""
    labels: set[str] = set()
    for item, rel in written:
        name = PurePosixPath(rel).name
        if item.label is None or reads_as_split(item.label) or item.label.startswith("__"):
            return False
        if name.startswith(".") or PurePosixPath(name).suffix.lower() not in IMAGE_SUFFIXES:
            return False
        labels.add(item.label)
    return len(labels) >= 2


def _write_parquet(out: Path, per_split: dict[str, list[dict[str, str | None]]]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    names = list(next(iter(per_split.values()))[0]) if per_split else ["file_name", "label"]
    schema = pa.schema([pa.field(name, pa.string()) for name in names])
    for split, rows in per_split.items():
        table = pa.Table.from_pylist(rows, schema=schema)
        pq.write_table(table, out / split / "metadata.parquet")


register_importer(
    Importer(
        "hf",
        "Hugging Face imagefolder: metadata.jsonl/.csv/.parquet with file_name and a label",
        sniff_metadata,
        read_metadata,
    )
)
