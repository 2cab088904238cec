"""A label cell of only spaces means unlabeled (the documented rule), so a stray space in
a spreadsheet removed a label and the summary said only "2 labels applied". The summary
says how many labels the file removed, in the text, in --json and in the app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import make_imagefolder

from labeldesk.cli import main

FILE = "path,label\ntrain/cat/cat0.jpg, \ntrain/cat/cat1.jpg,\n_unlabeled/u0.png,dog\n"


@pytest.fixture
def proj(tmp_path: Path, capsys) -> str:
    make_imagefolder(tmp_path / "images")
    path = str(tmp_path / "p")
    assert main(["new", path, "--images", str(tmp_path / "images"), "--workers", "1"]) == 0
    capsys.readouterr()
    return path


def test_import_counts_the_labels_a_file_removes(proj, tmp_path, capsys):
    f = tmp_path / "labels.csv"
    f.write_text(FILE)
    assert main(["import", proj, str(f)]) == 0
    out = capsys.readouterr().out
    assert "1 label applied, 2 labels removed (rows with an empty label)" in out
    assert main(["undo", proj]) == 0
    capsys.readouterr()
    assert main(["import", proj, str(f), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["applied"] == 3 and data["changed"]["labels"] == 3
    assert data["changed"]["labels_removed"] == 2


def test_label_csv_counts_them_too(proj, tmp_path, capsys):
    f = tmp_path / "labels.csv"
    f.write_text("path,label\ntrain/cat/cat0.jpg,   \n")
    assert main(["label", proj, "--csv", str(f)]) == 0
    assert capsys.readouterr().out.startswith("1 label removed (rows with an empty label)")


def test_a_split_change_beside_a_removed_label(proj, tmp_path, capsys):
    f = tmp_path / "labels.csv"
    f.write_text("path,label,split\ntrain/cat/cat0.jpg, ,train\ntrain/dog/dog0.jpg,dog,val\n")
    assert main(["import", proj, str(f)]) == 0
    out = capsys.readouterr().out
    assert "2 images changed: 1 label removed (rows with an empty label), 1 split" in out
