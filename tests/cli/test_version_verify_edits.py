"""`labeldesk version PROJECT verify` of exports edited by hand with the manifest's file
list made to match.

Before, two such edits passed for the version (exit 0): a file added to the export (a
note, or anything a format's reader or training code may pick up) once the manifest
listed it; and a WebDataset sample moved into another split's shard with its ``.json``
left as it was (training code takes a shard's split from its name: the image was then
in val, not train)."""

from __future__ import annotations

import io
import tarfile

import pytest

from cli.test_version_verify_labels import resync, verify
from labeldesk.cli import main

NOT_WRITTEN = "not a file the export writes (its manifest lists it: edited since)"


def _export(project, tmp_path, fmt: str):
    path, out = str(project.path), tmp_path / "out"
    assert main(["version", path, "create", "v1"]) == 0
    assert main(["export", path, str(out), "--format", fmt, "--version", "v1"]) == 0
    return out


@pytest.mark.parametrize(
    ("fmt", "added"),
    [
        ("imagefolder", "train/cat/notes.txt"),
        ("csv", "labels.txt"),
        ("hf", "train/metadata.csv"),
        ("fiftyone", "train/extra.json"),
        ("labelstudio", "tasks2.json"),
        ("webdataset", "train-000000.idx"),
    ],
)
def test_a_file_added_and_listed_in_the_manifest_is_found(project, tmp_path, capsys, fmt, added):
    out = _export(project, tmp_path, fmt)
    (out / added).write_text("not the export's\n")
    resync(out)
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and not found["intact"]
    assert {"path": added, "why": NOT_WRITTEN} in found["files"]


def test_a_sample_moved_to_another_splits_shard_is_found(project, tmp_path, capsys):
    out = _export(project, tmp_path, "webdataset")
    train, val = out / "train-000000.tar", out / "val-000000.tar"
    with tarfile.open(train) as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar]  # type: ignore[union-attr]
    with tarfile.open(val) as tar:
        kept = [(m, tar.extractfile(m).read()) for m in tar]  # type: ignore[union-attr]
    first = members[0][0].name.split(".")[0]
    moved = [(m, d) for m, d in members if m.name.split(".")[0] == first]
    for shard, samples in ((train, [x for x in members if x not in moved]), (val, kept + moved)):
        with tarfile.open(shard, "w") as tar:
            for member, data in samples:
                tar.addfile(member, io.BytesIO(data))
    resync(out)
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and not found["intact"]
    assert found["files"] == [
        {
            "path": f"val-000000.tar:{first}.json",
            "why": "gives the split train, but the sample is in a shard of val (a sample "
            "moved to another split's shards is read as of that split)",
        }
    ]


def test_a_samples_class_index_removed_is_found(project, tmp_path, capsys):
    """Training code reads a sample's class from its .cls; before, a labeled sample
    without one passed, since its .json still gave the label."""
    out = _export(project, tmp_path, "webdataset")
    shard = out / "train-000000.tar"
    with tarfile.open(shard) as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar]  # type: ignore[union-attr]
    [dropped] = [m.name for m, _ in members if m.name.endswith(".cls")][1:2]
    with tarfile.open(shard, "w") as tar:
        for member, data in members:
            if member.name != dropped:
                tar.addfile(member, io.BytesIO(data))
    resync(out)
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and not found["intact"]
    [row] = found["files"]
    assert row["path"] == f"train-000000.tar:{dropped}"
    assert row["why"].startswith("gone: the export wrote it for the class ")


def _drop_csv_row(out) -> str:
    lines = (out / "labels.csv").read_text().splitlines(keepends=True)
    (out / "labels.csv").write_text("".join(line for line in lines if "u0.png" not in line))
    return "images/_unlabeled/u0.png"


def _drop_hf_row(out) -> str:
    metadata = out / "train/metadata.jsonl"
    lines = metadata.read_text().splitlines(keepends=True)
    metadata.write_text("".join(line for line in lines if "u0.png" not in line))
    return "train/_unlabeled/u0.png"


@pytest.mark.parametrize(("fmt", "drop"), [("csv", _drop_csv_row), ("hf", _drop_hf_row)])
def test_the_row_of_an_unlabeled_image_removed_is_found(project, tmp_path, capsys, fmt, drop):
    """An unlabeled image without a split gives no label or split: before, its row
    removed from the label file (the image then in no dataset read from it) passed."""
    path, out = str(project.path), tmp_path / "out"
    assert main(["version", path, "create", "v1"]) == 0
    assert main(["export", path, str(out), "--format", fmt, "--version", "v1",
                 "--include-unlabeled"]) == 0  # fmt: skip
    file = drop(out)
    resync(out)
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and not found["intact"]
    [row] = found["files"]
    assert row["path"] == file and row["why"].startswith("no row of ")


def _hash_csv(out) -> None:
    import csv

    rows = list(csv.reader((out / "labels.csv").open(newline="")))
    rows[1][3], rows[2][3] = rows[2][3], rows[1][3]
    with (out / "labels.csv").open("w", newline="") as f:
        csv.writer(f).writerows(rows)


def _hash_parquet(out) -> None:
    import pyarrow.parquet as pq

    table = pq.read_table(out / "labels.parquet")
    rows = table.to_pylist()
    rows[0]["content_hash"], rows[1]["content_hash"] = (
        rows[1]["content_hash"],
        rows[0]["content_hash"],
    )
    pq.write_table(type(table).from_pylist(rows, schema=table.schema), out / "labels.parquet")


@pytest.mark.parametrize(("fmt", "edit"), [("csv", _hash_csv), ("parquet", _hash_parquet)])
def test_a_content_hash_column_edited_is_found(project, tmp_path, capsys, fmt, edit):
    """The column scripts match pictures by; LabelDesk's reader leads rows to pictures by
    the manifest's hashes instead, so before, two rows' hashes swapped passed."""
    out = _export(project, tmp_path, fmt)
    edit(out)
    resync(out)
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and not found["intact"] and found["labels"] == []
    name = f"labels.{fmt}"
    assert [row["path"] for row in found["files"]] == [f"{name} row 1", f"{name} row 2"]
    assert all("its content_hash " in row["why"] for row in found["files"])
