"""A Hugging Face ``metadata.jsonl`` (or ``.csv``) is read as its own format is: its
paths and labels are quoted in problems as JSON writes them, and a label column empty in
every row is refused (unless ``--empty-labels``), one metadata file or several. Before,
the hf reader rebuilt the result of a metadata file and dropped both: Python's quoting,
and every image the file named unlabeled without a word."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import cli_json, imagefolder_project, labels_by_path, refused_import


@pytest.fixture
def proj(tmp_path: Path, capsys) -> str:
    return imagefolder_project(tmp_path, capsys)


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def test_a_metadata_jsonl_quotes_its_paths_as_json(proj, tmp_path, capsys):
    f = write_jsonl(
        tmp_path / "meta" / "metadata.jsonl",
        [
            {"file_name": "train/cat/cat0.jpg", "label": "dog"},
            {"file_name": "train/cat/gone.jpg", "label": "cat"},
            {"file_name": "/etc/x.jpg", "label": "cat"},
        ],
    )
    code, doc = cli_json(capsys, "import", proj, str(f))
    assert code == 1
    error = doc["error"]
    assert '"train/cat/gone.jpg" is not an image in the project' in error
    assert 'file_name "/etc/x.jpg" must be a path relative to its folder' in error
    assert "'train/cat/gone.jpg'" not in error and "'/etc/x.jpg'" not in error


def test_a_metadata_jsonl_without_a_label_key_names_its_keys_as_json(proj, tmp_path, capsys):
    f = write_jsonl(tmp_path / "meta" / "metadata.jsonl", [{"file_name": "a.jpg", "kind": 1}])
    code, doc = cli_json(capsys, "import", proj, str(f))
    assert code == 1 and '(keys: "file_name", "kind")' in doc["error"]


def test_an_empty_label_column_of_a_metadata_jsonl_is_refused(proj, tmp_path, capsys):
    rows = [
        {"file_name": "train/cat/cat0.jpg", "label": None, "source": "web"},
        {"file_name": "train/cat/cat1.jpg", "label": "", "source": None},
        {"file_name": "train/dog/dog0.jpg", "label": None, "source": "web"},
    ]
    f = write_jsonl(tmp_path / "meta" / "metadata.jsonl", rows)
    doc = refused_import(capsys, proj, f)
    assert 'the label column "label" is empty in all 3 rows' in doc["error"]
    assert 'the columns with values are "file_name", "source" (' in doc["error"]

    code, doc = cli_json(capsys, "import", proj, str(f), "--empty-labels")
    assert code == 0 and doc["applied"] == 3 and doc["empty_labels"] == 3
    assert labels_by_path(proj)["train/cat/cat0.jpg"] is None


def test_an_empty_label_column_of_a_metadata_csv_is_refused(proj, tmp_path, capsys):
    f = tmp_path / "meta" / "metadata.csv"
    f.parent.mkdir()
    f.write_text("file_name,label,note\ntrain/cat/cat0.jpg,,x\ntrain/cat/cat1.jpg,,\n")
    code, doc = cli_json(capsys, "import", proj, str(f))
    assert code == 1 and "the label column 'label' is empty in all 2 rows" in doc["error"]
    assert "the columns with values are 'file_name', 'note' (" in doc["error"]


def test_several_metadata_files_empty_in_every_row_are_refused(proj, tmp_path, capsys):
    data = tmp_path / "ds"
    write_jsonl(data / "train" / "metadata.jsonl", [{"file_name": "cat/cat0.jpg", "label": None}])
    write_jsonl(data / "test" / "metadata.jsonl", [{"file_name": "cat/cat0.jpg", "label": ""}])
    doc = refused_import(capsys, proj, data, "--format", "hf")
    assert "is empty in all 2 rows" in doc["error"]
    # one file with a label among them: applied, and said
    write_jsonl(
        data / "val" / "metadata.jsonl",
        [
            {"file_name": "cat/cat0.jpg", "label": "dog"},
            {"file_name": "cat/cat1.jpg", "label": None},
        ],
    )
    code, doc = cli_json(capsys, "import", proj, str(data), "--format", "hf")
    assert code == 0 and doc["empty_labels"] == 3
    assert labels_by_path(proj)["val/cat/cat0.jpg"] == "dog"


def test_split_metadata_csvs_of_one_row_each_name_the_columns_with_values(proj, tmp_path, capsys):
    data = tmp_path / "ds"
    for split, name in (("train", "cat0"), ("test", "cat1")):
        (data / split).mkdir(parents=True)
        (data / split / "metadata.csv").write_text(f"file_name,label,note\ncat/{name}.jpg,,x\n")
    code, doc = cli_json(capsys, "import", proj, str(data), "--format", "hf")
    assert code == 1 and "is empty in all 2 rows" in doc["error"]
    assert "the columns with values are 'file_name', 'note' (" in doc["error"]
