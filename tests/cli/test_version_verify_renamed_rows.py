"""`labeldesk version PROJECT verify` of a CSV or Parquet export whose image files were
renamed, each file's row (its `path` cell) and the manifest edited to match.

Before, it passed: each row still gave its picture's label. But the export writes each
image at images/<its path in the version>, and `labeldesk import` into another project
(one of a copy of the image folder) matches a row by that path: the swapped files'
labels went to each other's images there."""

from __future__ import annotations

import json
import shutil

import pytest

from cli.test_version_verify_labels import export_v1, resync, verify
from labeldesk.cli import main
from labeldesk.core.project import open_project

CAT, DOG = "images/train/cat/cat0.jpg", "images/train/dog/dog0.jpg"


def _edit_paths(out, fmt: str, moves: dict[str, str]) -> None:
    """Each row's path cell moved as its file was (the rows keep their labels)."""
    if fmt == "csv":
        lines = (out / "labels.csv").read_text().splitlines(keepends=True)
        for n, line in enumerate(lines):
            path, rest = line.split(",", 1)
            lines[n] = moves.get(path, path) + "," + rest
        (out / "labels.csv").write_text("".join(lines))
        return
    import pyarrow.parquet as pq

    table = pq.read_table(out / "labels.parquet")
    rows = table.to_pylist()
    for row in rows:
        row["path"] = moves.get(row["path"], row["path"])
    pq.write_table(type(table).from_pylist(rows, schema=table.schema), out / "labels.parquet")


def _swap(out, fmt: str) -> None:
    """cat0.jpg and dog0.jpg swapped by name, rows and manifest to match."""
    (out / CAT).rename(out / "swap.tmp")
    (out / DOG).rename(out / CAT)
    (out / "swap.tmp").rename(out / DOG)
    _edit_paths(out, fmt, {CAT: DOG, DOG: CAT})
    manifest = json.loads((out / "labeldesk-export.json").read_text())
    hashes = manifest["image_hashes"]
    hashes[CAT], hashes[DOG] = hashes[DOG], hashes[CAT]
    (out / "labeldesk-export.json").write_text(json.dumps(manifest))
    resync(out)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_file_renamed_with_its_row_and_the_manifest_is_found(project, tmp_path, capsys, fmt):
    out = export_v1(project, tmp_path, fmt)
    new = "images/train/cat/renamed.jpg"
    (out / CAT).rename(out / new)
    _edit_paths(out, fmt, {CAT: new})
    resync(out, moved={CAT: new})
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and not found["ok"] and found["labels"] == []
    assert [f["path"] for f in found["files"]] == [new]
    why = found["files"][0]["why"]
    assert why.startswith("it holds the picture the version has at train/cat/cat0.jpg, but")
    assert "leads its row of labels." in why and "to train/cat/renamed.jpg" in why


def test_two_files_swapped_with_their_rows_are_found(project, tmp_path, capsys):
    out = export_v1(project, tmp_path, "csv")
    _swap(out, "csv")
    code, found = verify(capsys, project, "v1", out)
    assert code == 1 and found["labels"] == []
    assert sorted(f["path"] for f in found["files"]) == [CAT, DOG]

    # what it would do: imported into a project of a copy of the image folder, each
    # row's label goes to the image its path names, the other picture
    copy = tmp_path / "copy"
    shutil.copytree(project.root, copy)
    assert main(["new", str(tmp_path / "p2"), "--images", str(copy)]) == 0
    assert main(["import", str(tmp_path / "p2"), str(out / "labels.csv")]) == 0
    capsys.readouterr()
    with open_project(tmp_path / "p2") as other:
        labels = other.images().set_index("path").label
    assert (labels["train/cat/cat0.jpg"], labels["train/dog/dog0.jpg"]) == ("dog", "cat")
