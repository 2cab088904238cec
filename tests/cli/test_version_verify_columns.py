"""`labeldesk version PROJECT verify` of a CSV or Parquet export with a column added to
its label file, the manifest made to match.

LabelDesk's reader takes path, label, split and status by name, so before, a second
``status`` column, a ``Label`` beside ``label`` (a training script reads one or the
other) or a column put first (a script reading by position then reads other cells)
passed for the version (exit 0). So did a column of a new name after the export's
(``notes``, ``weight``), which a script that asks for it or reads every column trains
on: it is found too."""

from __future__ import annotations

import csv
import json

import pytest

from cli.test_version_verify_labels import export_v1, resync, verify
from labeldesk.cli import main

SHADOWS = "2 columns are named {!r} ({}): a training script reads one or the other"
ADDED = "a column the export does not write ({}, after its own): a training script"
MOVED = "its columns do not start with the export's (path, label, …) in the order it wrote"


def _add_column(out, fmt: str, name: str, value: str, first: bool = False) -> None:
    if fmt == "csv":
        rows = list(csv.reader((out / "labels.csv").open(newline="")))
        added = [[name] if n == 0 else [value] for n in range(len(rows))]
        rows = [a + r if first else r + a for a, r in zip(added, rows, strict=True)]
        with (out / "labels.csv").open("w", newline="") as f:
            csv.writer(f).writerows(rows)
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(out / "labels.parquet")
    column = pa.array([value] * table.num_rows)
    at = 0 if first else table.num_columns
    pq.write_table(table.add_column(at, name, column), out / "labels.parquet")


@pytest.mark.parametrize(
    ("fmt", "name", "value", "shadowed", "shown"),
    [
        ("csv", "status", "verified", "status", "'status', 'status'"),
        ("csv", "Flagged", "true", "flagged", "'flagged', 'Flagged'"),
        ("parquet", "Label", "dog", "label", "'label', 'Label'"),
        ("parquet", "status", "verified", "status", "'status', 'status'"),
    ],
)
def test_a_column_named_like_one_of_the_exports_is_found(
    project, tmp_path, capsys, fmt, name, value, shadowed, shown
):
    out = export_v1(project, tmp_path, fmt)
    _add_column(out, fmt, name, value)
    resync(out)
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and not found["intact"]
    [row] = found["files"]
    assert row["path"] == f"labels.{fmt}"
    assert row["why"].startswith(SHADOWS.format(shadowed, shown))


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_column_put_before_the_exports_is_found(project, tmp_path, capsys, fmt):
    out = export_v1(project, tmp_path, fmt)
    _add_column(out, fmt, "id", "7", first=True)
    resync(out)
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and not found["intact"] and found["labels"] == []
    [row] = found["files"]
    assert row["path"] == f"labels.{fmt}" and row["why"].startswith(MOVED)
    assert "(now: 'id', 'path', 'label', …)" in row["why"]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_column_of_a_new_name_after_the_exports_is_found(project, tmp_path, capsys, fmt):
    out = export_v1(project, tmp_path, fmt)
    _add_column(out, fmt, "weight", "0.5")
    resync(out)
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and not found["intact"] and found["labels"] == []
    [row] = found["files"]
    assert row["path"] == f"labels.{fmt}" and row["why"].startswith(ADDED.format("'weight'"))
    _add_column(out, fmt, "notes", "seen twice")
    resync(out)
    code, found = verify(capsys, project, "v1", out)
    [row] = found["files"]
    assert "2 columns the export does not write ('weight', 'notes', after" in row["why"]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_the_exports_own_columns_pass(project, tmp_path, capsys, fmt):
    out = export_v1(project, tmp_path, fmt)
    code, found = verify(capsys, project, "v1", out)
    assert (code, found["ok"], found["files"], found["labels"]) == (0, True, [], [])


@pytest.mark.parametrize("statuses", [False, True])
def test_a_column_added_to_hugging_face_metadata_is_found(project, tmp_path, capsys, statuses):
    """datasets makes every column of a split's metadata a feature of each example: one
    added (the manifest made to match) passed for the version before."""
    if statuses:  # (then the metadata is Parquet, with a status column)
        project.set_status("train/cat/cat0.jpg", "verified")
    out = export_v1(project, tmp_path, "hf")
    [file, *_] = sorted(out.glob("*/metadata.*"))
    if file.suffix == ".jsonl":
        rows = [json.loads(line) for line in file.read_text().splitlines()]
        file.write_text("".join(json.dumps({**row, "weight": 0.5}) + "\n" for row in rows))
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pq.read_table(file)
        column = pa.array(["0.5"] * table.num_rows)
        pq.write_table(table.append_column("weight", column), file)
    resync(out)
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and not found["intact"] and found["labels"] == []
    rel = file.relative_to(out).as_posix()
    assert found["files"] == [{"path": rel, "why": (
        "a column the export does not write ('weight', after its own): datasets makes it a "
        "feature of every example, so a training script that asks for it by name or reads "
        "every column gets values that are not the version's; a column was added since"
    )}]  # fmt: skip


def test_hugging_face_metadata_nested_too_deep_is_an_answer_not_an_internal_error(
    project, tmp_path, capsys
):
    """A metadata.jsonl row nested thousands of levels deep (a damaged or hostile file,
    the manifest made to match): the new column check parsed it with json.loads and
    `verify` ended with "error: internal error (RecursionError: maximum recursion depth
    exceeded …); please report it"."""
    out = export_v1(project, tmp_path, "hf")
    [file, *_] = sorted(out.glob("*/metadata.jsonl"))
    with file.open("a") as metadata:
        metadata.write("[" * 100_000 + "]" * 100_000 + "\n")
    resync(out)
    capsys.readouterr()
    code = main(["version", str(project.path), "verify", "v1", str(out), "--json"])
    said = capsys.readouterr()
    assert "internal error" not in said.out + said.err
    found = json.loads(said.out)
    assert code == 1 and found["intact"] is False


@pytest.mark.parametrize("flipped", ["column name", "content_hash cell", "path cell"])
def test_a_parquet_name_or_cell_that_is_not_utf8_is_said(project, tmp_path, capsys, flipped):
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = export_v1(project, tmp_path, "parquet")
    file = out / "labels.parquet"
    table = pq.read_table(file)
    if flipped == "column name":
        table = table.add_column(table.num_columns, "QQQQnotes", pa.array(["x"] * len(table)))
    else:
        column = flipped.split()[0]
        cells = ["QQQQ" + str(n) for n in range(len(table))]
        at = table.schema.get_field_index(column)
        table = table.set_column(at, column, pa.array(cells))
    pq.write_table(table, file, compression="none", use_dictionary=False)
    data = file.read_bytes()
    assert b"QQQQ" in data
    file.write_bytes(data.replace(b"QQQQ", b"\xff\xfeQQ"))  # as many bytes: offsets hold
    resync(out)
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and not found["intact"], found
    said = json.dumps(found)
    assert "not UTF-8" in said, found  # the content_hash cell's passed as intact before
    if flipped == "content_hash cell":
        [row] = [f for f in found["files"] if f["path"] == "labels.parquet row 1"]
        assert row["why"].startswith("its content_hash holds bytes that are not UTF-8")
