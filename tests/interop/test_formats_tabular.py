"""CSV and Parquet manifests: the columns written (the model's values joined by image
id), what pandas and pyarrow read, round trips into a new project, column mapping and
bad input."""

from __future__ import annotations

import csv
import math

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from interop.label_states import by_content
from labeldesk.core import label_bytes
from labeldesk.core.create import create_and_index
from labeldesk.core.errors import LabelFileError
from labeldesk.core.label_files import apply_label_rows
from labeldesk.interop.export import ExportOptions, export
from labeldesk.interop.formats import (
    ImportOptions,
    detect_format,
    parquet,
    read_labels,
)
from labeldesk.interop.formats.manifest_table import COLUMNS, MODEL_COLUMNS
from labeldesk.ml.image_values import model_values


def same_number(text: str, value: float) -> bool:
    """A CSV cell says ``value`` (6 significant digits; empty for NaN)."""
    return text == "" if math.isnan(value) else float(text) == pytest.approx(value, rel=1e-5)


def read_csv_rows(path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_round_trip_into_a_new_project_keeps_labels_and_splits(project, tmp_path, fmt):
    project.set_splits({"_unlabeled/u0.png": "val"})
    original = by_content(project)
    out = tmp_path / "out"
    export(project, out, fmt, ExportOptions(include_unlabeled=True))
    name, rows = read_labels(out / f"labels.{fmt}")
    assert name == fmt and len(rows) == len(original) and rows.problems == []
    again, _ = create_and_index(tmp_path / "again", out, labels_file=rows, workers=1)
    with again:
        assert by_content(again) == original


def test_the_csv_and_the_parquet_hold_the_same_rows(project, tmp_path):
    export(project, tmp_path / "c", "csv")
    export(project, tmp_path / "p", "parquet")
    from_csv = pd.read_csv(tmp_path / "c/labels.csv", keep_default_na=False, dtype=str)
    from_parquet = pd.read_parquet(tmp_path / "p/labels.parquet")
    assert list(from_csv.columns) == list(COLUMNS) == list(from_parquet.columns)
    assert len(from_csv) == 16
    for column in ("path", "label", "split", "content_hash"):
        assert list(from_csv[column]) == list(from_parquet[column])
    frame = project.images()
    assert set(from_csv.content_hash) == set(frame.hash[frame.label.notna()])
    assert all((tmp_path / "p" / p).is_file() for p in from_parquet.path)
    # nothing embedded: the model's columns are there and empty
    assert (from_csv[list(MODEL_COLUMNS)] == "").all().all()
    assert from_parquet[list(MODEL_COLUMNS)].isna().all().all()


def test_parquet_types_are_text_numbers_and_booleans(project, tmp_path):
    export(project, tmp_path / "p", "parquet")
    schema = pq.read_schema(tmp_path / "p/labels.parquet")
    assert schema.field("path").type == pa.string()
    assert schema.field("confidence").type == pa.float64()
    assert schema.field("label_quality").type == pa.float64()
    assert schema.field("flagged").type == pa.bool_()


def test_the_model_columns_are_joined_by_image_id(clustered, tmp_path):
    project, flipped = clustered
    values = model_values(project)
    frame = project.images()
    by_hash = {h: i for i, h in zip(frame.index, frame.hash, strict=True)}
    export(project, tmp_path / "c", "csv", ExportOptions(include_unlabeled=True))
    export(project, tmp_path / "p", "parquet", ExportOptions(include_unlabeled=True))
    rows = read_csv_rows(tmp_path / "c/labels.csv")
    table = pd.read_parquet(tmp_path / "p/labels.parquet").set_index("content_hash")
    assert len(rows) == len(frame) == len(table)
    flagged_hashes = set(frame.hash[frame.path.isin(flipped)])
    for row in rows:
        image = values.loc[by_hash[row["content_hash"]]]
        assert row["predicted"] == image.predicted
        assert same_number(row["confidence"], image.confidence)
        assert same_number(row["label_quality"], image.issue_score)
        assert row["flagged"] == ("true" if image.flagged else "false")
        assert row["suggested"] == (image.suggested if isinstance(image.suggested, str) else "")
        typed = table.loc[row["content_hash"]]
        assert typed.predicted == image.predicted and typed.flagged == bool(image.flagged)
        assert math.isclose(typed.confidence, image.confidence, rel_tol=1e-12)
    assert {r["label_quality"] == "" for r in rows} == {True, False}  # unlabeled: no score
    flagged = {r["content_hash"] for r in rows if r["flagged"] == "true"}
    assert flagged_hashes <= flagged
    assert {r["suggested"] for r in rows if r["content_hash"] in flagged_hashes} == {"bee"}


# -- column mapping ------------------------------------------------------------------
def test_a_kaggle_parquet_is_read_with_its_own_column_names(tmp_path):
    f = tmp_path / "train.parquet"
    pq.write_table(
        pa.table({"id": ["a1", "a2", None], "category": ["cat", None, "dog"], "n": [1, 2, 3]}), f
    )
    assert detect_format(f) == "parquet"
    _, rows = read_labels(f, options=ImportOptions(path_column="id", label_column="category"))
    assert [(r.path, r.label, r.split, r.line) for r in rows] == [
        ("a1", "cat", None, 1),
        ("a2", None, None, 2),
    ]
    assert rows.describe(rows.problems) == ["row 3: the path is empty"]
    with pytest.raises(LabelFileError, match="'id', 'category', 'n'"):
        read_labels(f, "parquet", ImportOptions(path_column="image"))
    with pytest.raises(LabelFileError, match=r"column 'n' holds int64, not text"):
        read_labels(f, "parquet", ImportOptions(path_column="id", label_column="n"))


def test_a_dictionary_encoded_label_column_is_text(tmp_path):
    f = tmp_path / "labels.parquet"
    frame = pd.DataFrame({"path": ["a.png", "b.png"], "label": ["cat", "dog"]})
    frame["label"] = frame.label.astype("category")
    frame.to_parquet(f)
    _, rows = read_labels(f)
    assert [(r.path, r.label) for r in rows] == [("a.png", "cat"), ("b.png", "dog")]


def test_bad_parquet_rows_are_listed_by_row_and_nothing_is_applied(project, tmp_path):
    f = tmp_path / "labels.parquet"
    paths = ["train/cat/cat0.jpg", "../outside.jpg", "/etc/passwd", "val/dog/dog0.jpg", "x" * 5000]
    labels = ["dog", "cat", "cat", "bad/name", "cat"]
    pq.write_table(pa.table({"path": paths, "label": labels, "split": ["val", "", "", "", "x"]}), f)
    _, rows = read_labels(f)
    before = by_content(project)
    with pytest.raises(LabelFileError) as err:
        apply_label_rows(project, rows)
    problems = err.value.problems
    assert [p.split(":")[0] for p in problems] == ["row 2", "row 3", "row 4", "row 5"]
    assert "leads out of the folder" in problems[0]
    assert "outside the image folder" in problems[1]
    assert "slash" in problems[2] and "5,000 characters" in problems[3]
    assert by_content(project) == before


def test_oversized_files_are_refused_before_they_are_read(tmp_path, monkeypatch):
    f = tmp_path / "labels.csv"
    f.write_text("path,label\na.png,cat\n")
    monkeypatch.setattr(label_bytes, "MAX_LABEL_FILE_BYTES", 10)
    monkeypatch.setattr(parquet, "MAX_LABEL_FILE_BYTES", 10)
    with pytest.raises(LabelFileError, match="bytes; label files over 10 are refused"):
        read_labels(f)
    p = tmp_path / "labels.parquet"
    pq.write_table(pa.table({"path": ["a.png"], "label": ["cat"]}), p)
    with pytest.raises(LabelFileError, match="label files over 10 are refused"):
        read_labels(p)


def test_a_small_parquet_that_unpacks_to_too_much_is_refused(tmp_path, monkeypatch):
    f = tmp_path / "bomb.parquet"
    big = "a" * 200_000
    pq.write_table(pa.table({"path": [big, big + "b"], "label": ["cat", "dog"]}), f)
    assert f.stat().st_size < 100_000
    monkeypatch.setattr(parquet, "MAX_LABEL_FILE_BYTES", 100_000)
    with pytest.raises(LabelFileError, match="unpack to"):
        read_labels(f)


def test_a_file_that_is_not_parquet_inside_says_so(tmp_path):
    f = tmp_path / "labels.parquet"
    f.write_bytes(b"PAR1 but nothing else")
    with pytest.raises(LabelFileError, match="not a readable Parquet file"):
        read_labels(f)


def test_a_kaggle_train_csv_labels_images_named_by_id_through_the_command(tmp_path, capsys):
    import json

    from helpers import write_image

    from labeldesk.cli import main
    from labeldesk.core.project import open_project

    for n, image_id in enumerate(["0a1b", "0a1c", "0a1d"]):
        write_image(tmp_path / "images/train" / f"{image_id}.jpg", seed=n)
    (tmp_path / "train.csv").write_text("id,category\n0a1b,cat\n0a1c,dog\n")
    assert main(["new", str(tmp_path / "p"), "--images", str(tmp_path / "images")]) == 0
    capsys.readouterr()
    args = ["import", str(tmp_path / "p"), str(tmp_path / "train.csv"), "--new-class", "--json"]
    assert main([*args, "--path-column", "id", "--label-column", "category"]) == 0
    assert json.loads(capsys.readouterr().out)["applied"] == 2
    with open_project(tmp_path / "p") as project:
        frame = project.images()
        labels = dict(zip(frame.path, frame.label.astype(object), strict=True))
    assert labels["train/0a1b.jpg"] == "cat" and labels["train/0a1c.jpg"] == "dog"
    assert not isinstance(labels["train/0a1d.jpg"], str)
    # without the mapping the error names the columns and the options
    assert main(args) != 0
    error = json.loads(capsys.readouterr().out)["error"]
    assert "'id', 'category'" in error and "--path-column" in error
