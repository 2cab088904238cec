"""A label column with no label in any row (``--label-column status`` on LabelDesk's own
export, whose status cells are empty) is refused, naming the column and the columns that
hold values: before, every image the file names was unlabeled in one silent batch.
``--empty-labels`` applies it all the same; a column empty in most rows is said."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers import cli_json, imagefolder_project, labels_by_path, refused_import

from labeldesk.cli import main


@pytest.fixture
def proj(tmp_path: Path, capsys) -> str:
    return imagefolder_project(tmp_path, capsys)


ROWS = [
    ("train/cat/cat0.jpg", "cat", "train"),
    ("train/cat/cat1.jpg", "cat", "train"),
    ("train/dog/dog0.jpg", "dog", "train"),
]


def test_an_empty_label_column_of_a_csv_is_refused_and_changes_nothing(proj, tmp_path, capsys):
    f = tmp_path / "labels.csv"
    body = "".join(f"{p},{lab},{s},,\n" for p, lab, s in ROWS)
    f.write_text("path,label,split,status,comment\n" + body)
    doc = refused_import(capsys, proj, f, "--label-column", "status")
    error = doc["error"]
    assert "the label column 'status' is empty in all 3 rows" in error
    assert "the columns with values are 'path', 'label', 'split'" in error
    assert "--empty-labels" in error and "'comment'" not in error

    code, doc = cli_json(
        capsys, "import", proj, str(f), "--label-column", "status", "--empty-labels"
    )
    assert code == 0 and doc["applied"] == 3
    assert all(labels_by_path(proj)[p] is None for p, _, _ in ROWS)
    assert doc["empty_labels"] == 3
    assert doc["notes"] == ["the label column 'status' is empty in 3 of 3 rows: those rows "
                            "unlabel their images"]  # fmt: skip


def test_an_empty_label_column_of_a_parquet_file_is_refused(proj, tmp_path, capsys):
    f = tmp_path / "labels.parquet"
    table = {
        "path": [p for p, _, _ in ROWS],
        "label": [None, "", "  "],
        "split": [s for _, _, s in ROWS],
        "content_hash": [None, None, None],
    }
    pq.write_table(pa.table(table, schema=pa.schema([(k, pa.string()) for k in table])), f)
    doc = refused_import(capsys, proj, f)
    assert "the label column 'label' is empty in all 3 rows" in doc["error"]
    assert "the columns with values are 'path', 'split' (" in doc["error"]


def test_a_mostly_empty_label_column_is_applied_and_said(proj, tmp_path, capsys):
    f = tmp_path / "labels.csv"
    f.write_text("path,label\ntrain/cat/cat0.jpg,\ntrain/cat/cat1.jpg,\ntrain/dog/dog0.jpg,dog\n")
    main(["import", proj, str(f)])
    out = capsys.readouterr().out
    assert "the label column 'label' is empty in 2 of 3 rows: those rows unlabel" in out
    assert labels_by_path(proj)["train/cat/cat0.jpg"] is None


def test_label_and_new_refuse_it_too_and_label_takes_the_flag(proj, tmp_path, capsys):
    f = tmp_path / "labels.csv"
    f.write_text("path,label\ntrain/cat/cat0.jpg,\ntrain/cat/cat1.jpg,\n")
    code, doc = cli_json(capsys, "label", proj, "--csv", str(f))
    assert code == 1 and "is empty in all 2 rows" in doc["error"]
    assert labels_by_path(proj)["train/cat/cat0.jpg"] == "cat"
    assert cli_json(capsys, "label", proj, "--csv", str(f), "--empty-labels")[0] == 0
    assert labels_by_path(proj)["train/cat/cat0.jpg"] is None
    f.write_text("path,label\ntrain/dog/dog0.jpg,\n")  # one row: how a file unlabels one
    assert cli_json(capsys, "label", proj, "--csv", str(f))[0] == 0
    assert labels_by_path(proj)["train/dog/dog0.jpg"] is None
    f.write_text("path,label\ntrain/dog/dog0.jpg,\ntrain/dog/dog1.jpg,\n")
    images = tmp_path / "images"
    code, doc = cli_json(
        capsys, "new", str(tmp_path / "q"), "--images", str(images), "--labels", str(f)
    )
    assert code == 1 and "is empty in all 2 rows" in doc["error"]
    assert not (tmp_path / "q").exists()  # (no project made)
