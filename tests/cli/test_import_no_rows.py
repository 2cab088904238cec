"""A label file with no rows (a CSV cut down to its header, an empty JSON list, an empty
Parquet table) applied nothing and exited 0 with "0 labels applied": a truncated file went
unnoticed. It is refused as an empty file is, saying why, and nothing is created."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from helpers import make_imagefolder

from labeldesk.cli import main


def _error(capsys, *argv: str) -> str:
    assert main([*argv, "--json"]) == 1
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return json.loads(out.out)["error"]


@pytest.fixture
def empty_files(tmp_path: Path) -> list[Path]:
    header = tmp_path / "header_only.csv"
    header.write_text("path,label\n")
    listed = tmp_path / "empty.json"
    listed.write_text("[]\n")
    table = tmp_path / "empty.parquet"
    pd.DataFrame({"path": pd.Series([], dtype=str), "label": pd.Series([], dtype=str)}).to_parquet(
        table
    )
    return [header, listed, table]


def test_a_file_with_no_rows_is_refused(tmp_path, capsys, empty_files):
    images = tmp_path / "images"
    make_imagefolder(images)
    project = str(tmp_path / "p")
    assert main(["new", project, "--images", str(images), "--workers", "1", "--json"]) == 0
    capsys.readouterr()
    for f in empty_files:
        error = _error(capsys, "import", project, str(f))
        assert f"{f.name}: 1 problem, nothing applied" in error and "the file has no rows" in error
    error = _error(capsys, "label", project, "--csv", str(empty_files[0]))
    assert "the file has no rows" in error


def test_new_with_a_labels_file_of_no_rows_makes_no_project(tmp_path, capsys, empty_files):
    images = tmp_path / "images"
    make_imagefolder(images)
    target = tmp_path / "q"
    error = _error(
        capsys, "new", str(target), "--images", str(images), "--labels", str(empty_files[0])
    )
    assert "the file has no rows" in error and not target.exists()
