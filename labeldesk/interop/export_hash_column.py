"""The ``content_hash`` column of a CSV or Parquet export, and the names of its image
files (its ``path`` column), for ``labeldesk version P verify``.

The column gives each row's image file its content hash (BLAKE2b-128 of its bytes), for
scripts that find duplicates or match pictures by it. LabelDesk's own reader leads a row
to its picture by the manifest's ``image_hashes`` (whose files are hashed), not by this
column, so an edited column changes nothing the labels read back show: it is checked on
its own, each row's hash against that of the file its ``path`` names. A file's name is
checked against the version's path of the picture it holds (:func:`renamed_file_problems`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from labeldesk.core.file_kinds import open_regular
from labeldesk.core.spreadsheet import restore

from .export_renamed import outside
from .writing import IMAGES

PATH, HASH = "path", "content_hash"
LABEL_FILES = {"csv": "labels.csv", "parquet": "labels.parquet"}


def hash_column_problems(folder: Path, manifest: dict[str, Any]) -> list[dict[str, str]]:
    """``{"path", "why"}`` of each row whose ``content_hash`` is not the hash of the file
    its ``path`` names (a file the export did not write is said elsewhere); none where
    the file cannot be read (the labels read back say why)."""
    name = LABEL_FILES.get(str(manifest.get("format")))
    listed = manifest.get("image_hashes")
    if name is None or not isinstance(listed, dict):
        return []
    read = _csv_rows if name.endswith(".csv") else _parquet_rows
    found: list[dict[str, str]] = []
    try:
        for n, (path, digest) in enumerate(read(folder / name), start=1):
            want = listed.get(path)
            if isinstance(want, str) and digest != want:
                found.append({
                    "path": f"{name} row {n:,}",
                    "why": f"its content_hash {digest or '(empty)'} is not that of {path}, "
                           f"which the export wrote ({want})",
                })  # fmt: skip
    except NotText as exc:  # (a path cell's is said by the labels read back)
        if exc.column == HASH:
            found.append({
                "path": f"{name} row {exc.row:,}",
                "why": "its content_hash holds bytes that are not UTF-8 text, not the hash "
                       "the export wrote: a script that reads the column fails or gets "
                       "other text",
            })  # fmt: skip
        return found
    except (OSError, ValueError, csv.Error):
        return found
    except Exception as exc:  # (pyarrow's own errors: a damaged file, said elsewhere)
        if type(exc).__module__.startswith("pyarrow"):
            return found
        raise
    return found


class NotText(ValueError):
    """A Parquet cell of ``column`` (its ``row``, from 1) whose bytes are not UTF-8."""

    def __init__(self, column: str, row: int) -> None:
        super().__init__(f"row {row}: the {column!r} column holds bytes that are not UTF-8")
        self.column, self.row = column, row


def renamed_file_problems(
    manifest: dict[str, Any], pictures: dict[str, str], paths: dict[str, set[str]]
) -> list[dict[str, str]]:
    """``{"path", "why"}`` for each image file of a CSV or Parquet export whose name no
    longer leads to the version's path of the picture it holds (``pictures``: the
    version's image files in the export -> content hash; ``paths``: content hash -> the
    version's paths of that picture). The export writes each image at
    ``images/<its path in the version>`` (or records the path of a file it had to name
    otherwise under ``renamed``), and a row's ``path`` is its file's: a file renamed
    with its row and the manifest edited to match is still the same picture with the
    same label for a training script, but ``labeldesk import`` into any project other
    than this one (of a copy of the image folder, a colleague's) matches the row by that
    path, and so does a script joining the rows to the image folder: the label would go
    to another image, or to none. (Read back into this project, a row is led to its
    picture by its bytes.)"""
    name = LABEL_FILES.get(str(manifest.get("format")))
    if name is None:
        return []
    recorded = manifest.get("renamed")
    renamed = recorded if isinstance(recorded, dict) else {}
    prefix = IMAGES + "/"
    found = []
    for file, content in sorted(pictures.items()):
        wrote = sorted(paths.get(content, ()))
        led = renamed.get(file)
        if isinstance(led, str) and outside(led):
            continue  # (a path no export records: said with the map's entries)
        if not isinstance(led, str):
            led = file[len(prefix) :] if file.startswith(prefix) else None
        if not wrote or led in wrote:
            continue
        leads = f"to {led}" if led else "to no image's path"
        found.append({"path": file, "why": (
            f"it holds the picture the version has at {wrote[0]}, but its name leads its "
            f"row of {name} {leads}: renamed since it was exported (the row and the "
            "manifest edited to match); labeldesk import into another project than this "
            "one (of a copy of the image folder) matches a row by its path, so its label "
            "would go to another image, or to none"
        )})  # fmt: skip
    return found


def _csv_rows(file: Path) -> Iterator[tuple[str, str]]:
    with open_regular(file) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        rows = csv.reader(text)
        header = next(rows, [])
        if PATH not in header or HASH not in header:
            return
        at, digest_at = header.index(PATH), header.index(HASH)
        for row in rows:
            if len(row) > max(at, digest_at):
                yield restore(row[at]), restore(row[digest_at])


def _parquet_rows(file: Path) -> Iterator[tuple[str, str]]:
    import pyarrow.parquet as pq

    with open_regular(file) as raw:
        parquet = pq.ParquetFile(raw)
        if not {PATH, HASH} <= set(parquet.schema_arrow.names):
            return
        done = 0
        for batch in parquet.iter_batches(columns=[PATH, HASH], batch_size=65_536):
            paths = _texts(batch.column(PATH), PATH, done)
            digests = _texts(batch.column(HASH), HASH, done)
            for path, digest in zip(paths, digests, strict=True):
                yield str(path or ""), str(digest or "")
            done += batch.num_rows


def _texts(cells: Any, column: str, done: int) -> list[Any]:
    """The cells' values; :class:`NotText` naming the first whose bytes are not UTF-8
    (Arrow decodes a string cell as Python reads it)."""
    try:
        return list(cells.to_pylist())
    except UnicodeDecodeError:
        for i in range(len(cells)):
            try:
                cells[i].as_py()
            except UnicodeDecodeError:
                raise NotText(column, done + i + 1) from None
        raise
