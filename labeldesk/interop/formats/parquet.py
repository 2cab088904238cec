"""Parquet manifest: OUT/labels.parquet with the images under OUT/images/.

The same columns as the CSV manifest (:mod:`.csv_manifest`), typed: text columns are
strings (null where the CSV leaves a cell empty), ``confidence`` and ``label_quality``
doubles, ``flagged`` a boolean — all null for an image the model has not scored, and
every model column null before anything is embedded. Values are written as they are: a
Parquet file is not opened by a spreadsheet, so nothing is neutralised.

Import reads a Parquet manifest with the same column rules as a CSV (usual names, or
named in :class:`~.base.ImportOptions`). The path, label and split columns must hold
text; problems are reported by "row N" (1-based). The columns' uncompressed size is
checked before they are read, so a small file cannot unpack into gigabytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from labeldesk.core.empty_labels import FilledColumns, no_label_in
from labeldesk.core.errors import LabelFileError
from labeldesk.core.label_bytes import MAX_LABEL_FILE_BYTES, check_size
from labeldesk.core.label_file_formats import (
    STATUS_COLUMNS,
    TWO_STATUS_COLUMNS,
    VERIFIED_LABEL_COLUMNS,
    Columns,
    Parsed,
    Record,
    admit,
    find_columns,
)
from labeldesk.core.label_files import LabelFile, checked_rows

from .base import Importer, ImportOptions, register_importer
from .manifest_table import COLUMNS, ManifestTable, columns_of, register_manifest_exporter

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.parquet as pq

MAGIC = b"PAR1"
NAME_NOT_UTF8 = "not a readable Parquet file: a column's name is not UTF-8 text"


def _schema() -> pa.Schema:
    import pyarrow as pa

    kinds = {"confidence": pa.float64(), "label_quality": pa.float64(), "flagged": pa.bool_()}
    return pa.schema([pa.field(name, kinds.get(name, pa.string())) for name in COLUMNS])


@register_manifest_exporter("parquet")
def _parquet(table: ManifestTable, out: Path) -> None:
    """OUT/labels.parquet with the images under OUT/images/ (see the module's docstring)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pydict(table.columns, schema=_schema()), out / "labels.parquet")


def _sniff(path: Path) -> bool:
    """A file that starts with Parquet's magic bytes."""
    if not path.is_file():
        return False
    try:
        with open(path, "rb") as f:
            return f.read(4) == MAGIC
    except OSError:
        return False


def _read(path: Path, options: ImportOptions) -> LabelFile:
    return read_parquet_rows(path, columns_of(options))


def read_parquet_rows(path: Path, columns: Columns) -> LabelFile:
    """The rows of a Parquet manifest, its columns found by ``columns`` or their usual
    names; problems of single rows by "row N". The columns are read a batch of
    :data:`BATCH_ROWS` rows at a time (``ParquetFile.iter_batches``) as the rows are
    made: a million rows are never held as Python lists of cells beside them."""
    source = str(path)
    notes: list[str] = []
    names, parquet, status_note = _open_columns(path, columns, notes)
    parsed = Parsed([], [], "row", status_note=status_note, label_column=names[1])
    parsed.column_notes = notes
    parsed.records = _records(parsed, parquet, names, source)
    rows = checked_rows(parsed, source)
    if no_label_in(rows):  # (read only then: which columns hold values, for the error)
        rows.filled_columns = _filled_columns(parquet, source)
    return rows


def _filled_columns(parquet: pq.ParquetFile, source: str) -> list[str]:
    """The columns of ``parquet`` with a value (not null, not blank text) in some row."""
    import pyarrow as pa

    filled = FilledColumns(parquet.schema_arrow.names)
    try:
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS, use_threads=False):
            for i in range(batch.num_columns):
                column = batch.column(i)
                if column.null_count < len(column):
                    filled.see_column(i, column.to_pylist())
    except (pa.ArrowException, OSError, UnicodeDecodeError) as exc:
        raise LabelFileError(source, [f"cannot read its columns: {exc}"]) from None
    return filled.names_filled()


BATCH_ROWS = 65_536


def _records(
    parsed: Parsed,
    parquet: pq.ParquetFile,
    names: tuple[str, str, str | None, str | None, str | None],
    source: str,
) -> Iterator[Record]:
    """The good records of the columns ``names`` (path, label, split, status, verified
    label; None: no such column); the problems of the others go to ``parsed``."""
    import pyarrow as pa

    wanted = list(dict.fromkeys(name for name in names if name is not None))
    done = 0  # rows of the batches before
    batches = parquet.iter_batches(batch_size=BATCH_ROWS, columns=wanted, use_threads=False)
    while True:
        try:
            batch = next(batches, None)
        except (pa.ArrowException, OSError) as exc:
            raise LabelFileError(source, [f"cannot read its columns: {exc}"]) from None
        if batch is None:
            return
        n = batch.num_rows

        def values(
            name: str | None, batch: pa.RecordBatch = batch, n: int = n, before: int = done
        ) -> list[object]:
            return _texts(batch.column(name), name, before, source) if name else [None] * n

        cells = zip(*(values(name) for name in names), strict=True)
        for row, (p, label, split, status, bound) in enumerate(cells, start=done + 1):
            path = "" if p is None else p
            record = Record(row, path, label, split, status=status, verified_label=bound)
            if admit(parsed, record, keep=False):
                yield record
        done += n


def _texts(column: pa.Array, name: str, done: int, source: str) -> list[object]:
    """The column's values; a whole-file error naming the first row whose bytes are not
    UTF-8 (Arrow's string columns should hold UTF-8, but a damaged or hand-made file's
    need not: Python's decoding error is no message), as a CSV's first bad byte is."""
    import pyarrow as pa

    try:
        return column.to_pylist()
    except UnicodeDecodeError:
        pass
    try:  # (as bytes, to find the row)
        cells = column.cast(pa.large_binary()).to_pylist()
    except pa.ArrowException:  # (a dictionary column of such text, say)
        cells = []
    bad = (i for i, cell in enumerate(cells) if isinstance(cell, bytes) and not _utf8(cell))
    row = next(bad, None)
    where = "" if row is None else f"row {done + row + 1}: "
    raise LabelFileError(
        source,
        [f"{where}the {name!r} column holds bytes that are not UTF-8 text; write the file "
         "with UTF-8 strings"],
    )  # fmt: skip


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _open_columns(
    path: Path, columns: Columns, notes: list[str] | None = None
) -> tuple[tuple[str, str, str | None, str | None, str | None], pq.ParquetFile, str]:
    """(path, label, split, status, verified label column names) and the file to read
    them from; a whole-file error for an unreadable file, missing or non-text columns, or
    too much data. A status column that is not text, or named twice, is not read (and the third
    value says why)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = str(path)
    check_size(path)
    try:
        parquet = pq.ParquetFile(path)
        schema = parquet.schema_arrow
    except (pa.ArrowException, OSError) as exc:
        raise LabelFileError(source, [f"not a readable Parquet file: {exc}"]) from None
    except UnicodeDecodeError:  # (Arrow decodes the names in the file's footer)
        raise LabelFileError(source, [NAME_NOT_UTF8]) from None
    names = list(schema.names)
    p, lab, s = find_columns(names, columns, source, notes=notes)
    lowered = [name.strip().lower() for name in names]
    st = next((i for i, name in enumerate(lowered) if name in STATUS_COLUMNS), None)
    status_note = ""
    if st is not None and lowered.count(lowered[st]) > 1:
        st, status_note = None, TWO_STATUS_COLUMNS
    elif st is not None and not _is_text(schema.field(st).type):
        kind = schema.field(st).type
        st = None
        status_note = f"the status column holds {kind}, not text: it is not read"
    elif st in (p, lab, s):
        st = None  # named as the label, say: it is that
    # the label a "verified" was given for: read with the status, when it is text
    vl = next((i for i, name in enumerate(lowered) if name in VERIFIED_LABEL_COLUMNS), None)
    if vl is not None and (
        st is None
        or vl in (p, lab, s)
        or lowered.count(lowered[vl]) > 1
        or not _is_text(schema.field(vl).type)
    ):
        vl = None
    chosen = (
        names[p],
        names[lab],
        names[s] if s is not None else None,
        names[st] if st is not None else None,
        names[vl] if vl is not None else None,
    )
    wanted = list(dict.fromkeys(name for name in chosen if name is not None))
    repeated = [name for name in wanted if names.count(name) > 1]
    if repeated:  # Arrow cannot pick one of two columns by name
        raise LabelFileError(
            source,
            [f"column {repeated[0]!r} appears {names.count(repeated[0])} times: which one holds "
             "the data is not clear (rename the columns)"],
        )  # fmt: skip
    for name in wanted:
        kind = schema.field(name).type
        if not _is_text(kind):
            raise LabelFileError(
                source,
                [f"column {name!r} holds {kind}, not text: paths, labels and splits are read as "
                 "text (convert the column to strings)"],
            )  # fmt: skip
    _check_unpacked_size(parquet, wanted, source)
    return chosen, parquet, status_note


def _is_text(kind: pa.DataType) -> bool:
    import pyarrow as pa

    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return (
        bool(pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_null(kind))
        or str(kind) == "string_view"
    )


def _check_unpacked_size(parquet: pq.ParquetFile, wanted: list[str], source: str) -> None:
    """Refuse columns that unpack to more than a label file may hold (a Parquet bomb)."""
    meta = parquet.metadata
    total = 0
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        for i in range(group.num_columns):
            column = group.column(i)
            try:
                where = column.path_in_schema
            except UnicodeDecodeError:  # (a column chunk's own copy of its name)
                raise LabelFileError(source, [NAME_NOT_UTF8]) from None
            if any(where == name or where.startswith(f"{name}.") for name in wanted):
                total += column.total_uncompressed_size
    if total > MAX_LABEL_FILE_BYTES:
        raise LabelFileError(
            source,
            [
                f"its columns unpack to {total:,} bytes; label files over "
                f"{MAX_LABEL_FILE_BYTES:,} are refused"
            ],
        )


register_importer(
    Importer(
        "parquet",
        "Parquet manifest: path, label[, split] columns (LabelDesk's own, pandas, Spark, …)",
        _sniff,
        _read,
    )
)
