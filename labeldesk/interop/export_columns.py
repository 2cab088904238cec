"""The columns of a CSV or Parquet export's label file, for ``labeldesk version P verify``.

The export writes :data:`~.formats.manifest_table.COLUMNS`, in that order. LabelDesk's
reader takes path, label, split and status by name, so a column added to the file
changes nothing it reads back; what a training script reads can change, though:

- a column named like one of the export's (exactly, or but for case and outer spaces:
  ``label`` twice, ``Label``, ``status `` ) shadows it: pandas reads the first of two
  ``label`` columns, :class:`csv.DictReader` the last, a script that lower-cases the
  names gets two (LabelDesk's reader refuses two of path, label or split, and reads no
  status of two);
- a column before the export's, or among them (or theirs moved), shifts the cells a
  script that takes them by position reads (``row[1]`` for the label): the export
  writes its columns first, and added ``status`` last, for such scripts.

- a column of a new name after the export's (``notes``, ``weight``) holds values the
  version does not have: a script that asks for it by name (sample weights, a fold), or
  reads every column (``df.drop(columns=["path", "label"])`` as features), trains on
  them, and the file is not the one the export wrote, as a file added to the export is
  not (the export writes exactly :data:`COLUMNS`).

A Hugging Face export's metadata (``<split>/metadata.jsonl`` or ``.parquet``) holds
``file_name``, ``label`` and, where any image has one, ``status`` and ``verified_label``:
datasets makes every other column a feature of each example, so one added is found as
above (:func:`metadata_column_problems`).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from labeldesk.core.file_kinds import open_regular

from .formats.manifest_table import COLUMNS

LABEL_FILES = {"csv": "labels.csv", "parquet": "labels.parquet"}
# what a Hugging Face export writes
METADATA_COLUMNS = ("file_name", "label", "status", "verified_label")


def column_problems(folder: Path, manifest: dict[str, Any]) -> list[dict[str, str]]:
    """``{"path", "why"}`` for the label file whose columns would have a training script
    read other cells than the export wrote (see the module's docstring); none where
    they are the export's, with new ones after, or the file cannot be read (the labels
    read back say why)."""
    name = LABEL_FILES.get(str(manifest.get("format")))
    if name is None:
        return []
    try:
        names = (
            _csv_header(folder / name) if name.endswith(".csv") else _parquet_names(folder / name)
        )
    except (OSError, ValueError, csv.Error):
        return []
    except Exception as exc:  # (pyarrow's own errors: a damaged file, said elsewhere)
        if type(exc).__module__.startswith("pyarrow"):
            return []
        raise
    said = _shadowing(names) or _moved(names) or _added(names)
    return [{"path": name, "why": why} for why in said]


def _plain(name: str) -> str:
    return name.strip().lower()


def _shadowing(names: list[str]) -> list[str]:
    """A sentence per column of the export's that another column is named like."""
    found = []
    for column in COLUMNS:
        alike = [n for n in names if _plain(n) == column]
        if len(alike) > 1:
            shown = ", ".join(repr(n) for n in alike)
            found.append(
                f"{len(alike)} columns are named {column!r} ({shown}): a training script "
                "reads one or the other (pandas the first, csv.DictReader the last), so "
                "not what the export wrote; a column was added since"
            )
    return found


def _moved(names: list[str]) -> list[str]:
    """A sentence where the export's columns are not the first, in its order."""
    ours = [n for n in COLUMNS if n in names]
    if names[: len(ours)] == ours:
        return []
    shown = ", ".join(repr(n) for n in names[:3]) + (", …" if len(names) > 3 else "")
    return [
        f"its columns do not start with the export's ({', '.join(ours[:2])}, …) in the "
        f"order it wrote them (now: {shown}): a script that reads the columns by position "
        "(row[1] for the label) reads other cells; a column was added or moved since"
    ]


def _added(names: list[str]) -> list[str]:
    """A sentence where the file has columns the export does not write (after its own:
    one before or among them is :func:`_moved`'s, one named like one of them
    :func:`_shadowing`'s)."""
    added = [n for n in names if _plain(n) not in COLUMNS]
    return [_added_words(added, "a training script")] if added else []


def metadata_column_problems(folder: Path, manifest: dict[str, Any]) -> list[dict[str, str]]:
    """``{"path", "why"}`` for each metadata file of a Hugging Face export with a column
    the export does not write (:data:`METADATA_COLUMNS`); none for another format, or a
    file that cannot be read (the labels read back say why)."""
    if manifest.get("format") != "hf":
        return []
    found = []
    for split in sorted(p for p in folder.iterdir() if p.is_dir() and not p.is_symlink()):
        for name, read in (("metadata.jsonl", _jsonl_keys), ("metadata.parquet", _parquet_names)):
            file = split / name
            if not file.is_file():
                continue
            try:
                names = read(file)
            except (OSError, ValueError, RecursionError):  # (JSON nested too deep)
                continue
            except Exception as exc:  # (pyarrow's own errors: a damaged file, said elsewhere)
                if type(exc).__module__.startswith("pyarrow"):
                    continue
                raise
            added = [n for n in names if n not in METADATA_COLUMNS]
            if added:
                rel = f"{split.name}/{name}"
                found.append({"path": rel, "why": _added_words(added, "datasets makes it a "
                              "feature of every example, so a training script")})  # fmt: skip
    return found


def _added_words(added: list[str], reader: str) -> str:
    shown = ", ".join(repr(n) for n in added[:3]) + (", …" if len(added) > 3 else "")
    columns = "a column" if len(added) == 1 else f"{len(added)} columns"
    return (
        f"{columns} the export does not write ({shown}, after its own): {reader} that asks "
        "for it by name or reads every column gets values that are not the version's; a "
        "column was added since"
    )


def _jsonl_keys(file: Path) -> list[str]:
    """Every key of the file's rows, in the order first met."""
    keys: dict[str, None] = {}
    with open_regular(file) as raw:
        for line in io.TextIOWrapper(raw, encoding="utf-8"):
            row = json.loads(line) if line.strip() else {}
            keys.update(dict.fromkeys(row if isinstance(row, dict) else ()))
    return list(keys)


def _csv_header(file: Path) -> list[str]:
    with open_regular(file) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        return next(csv.reader(text), [])


def _parquet_names(file: Path) -> list[str]:
    import pyarrow.parquet as pq

    with open_regular(file) as raw:
        return list(pq.ParquetFile(raw).schema_arrow.names)
