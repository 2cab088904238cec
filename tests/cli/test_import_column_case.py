"""Columns whose names differ only in case (``path`` and ``PATH``): the importer matches a
column named with --path-column exactly as written first, else ignoring case, so a
column named exactly is that one, and the summary says so; one found by its usual name,
or named in neither spelling, cannot be told apart and the file is refused naming both.
Before, a Parquet file (and a CSV file with a column named) used the first silently."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers import cli_json, imagefolder_project, labels_by_path, refused_import


@pytest.fixture
def proj(tmp_path: Path, capsys) -> str:
    return imagefolder_project(tmp_path, capsys)


# "path" names images, "PATH" other ones: a silent pick labels one set or the other
TABLE = {
    "path": ["train/cat/cat0.jpg", "train/cat/cat1.jpg"],
    "PATH": ["train/dog/dog0.jpg", "train/dog/dog1.jpg"],
    "label": ["dog", "dog"],
}


def parquet(tmp_path: Path) -> Path:
    f = tmp_path / "labels.parquet"
    pq.write_table(pa.table(TABLE), f)
    return f


def csv(tmp_path: Path) -> Path:
    f = tmp_path / "labels.csv"
    rows = zip(*TABLE.values(), strict=True)
    f.write_text(",".join(TABLE) + "\n" + "".join(",".join(r) + "\n" for r in rows))
    return f


@pytest.mark.parametrize("make", [parquet, csv])
def test_columns_found_by_their_usual_name_are_refused_naming_both(proj, tmp_path, capsys, make):
    doc = refused_import(capsys, proj, make(tmp_path))
    assert "the columns 'path' and 'PATH' differ only in case" in doc["error"]
    assert "--path-column" in doc["error"]


@pytest.mark.parametrize("make", [parquet, csv])
def test_a_column_named_in_neither_spelling_is_refused(proj, tmp_path, capsys, make):
    doc = refused_import(capsys, proj, make(tmp_path), "--path-column", "Path")
    assert "the columns 'path' and 'PATH' differ only in case" in doc["error"]


@pytest.mark.parametrize("make", [parquet, csv])
def test_a_column_named_exactly_is_read_and_said(proj, tmp_path, capsys, make):
    code, doc = cli_json(capsys, "import", proj, str(make(tmp_path)), "--path-column", "PATH")
    assert code == 0, doc
    labels = labels_by_path(proj)
    assert labels["train/dog/dog0.jpg"] == "dog" and labels["train/cat/cat0.jpg"] == "cat"
    assert doc["notes"] == [
        "--path-column PATH: read the column 'PATH', named exactly so, not 'path' (their "
        "names differ only in case)"
    ]
