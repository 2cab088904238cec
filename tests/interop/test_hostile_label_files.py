"""Hostile label files (a huge integer, a huge annotation id, a repeated column) get a
clear LabelFileError naming the file, never an internal error."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers import write_image

from labeldesk.core.create import create_and_index
from labeldesk.core.errors import LabelFileError
from labeldesk.core.label_files import apply_label_rows, read_label_file
from labeldesk.interop.formats import read_labels

BIG = "9" * 5000  # more digits than Python's json turns into an int


@pytest.mark.parametrize("fmt", [None, "labelstudio"])
def test_a_json_file_with_a_huge_integer_is_refused_clearly(tmp_path, fmt):
    f = tmp_path / "labels.json"
    f.write_text(f'[{{"path": "a.png", "label": "cat"}}, {{"path": "b.png", "label": {BIG}}}]')
    with pytest.raises(LabelFileError, match="too many digits") as err:
        read_label_file(f) if fmt is None else read_labels(f, fmt)
    assert str(f) in str(err.value)


def test_a_json_lines_file_names_the_line_with_a_huge_integer(tmp_path):
    f = tmp_path / "labels.jsonl"
    f.write_text(f'{{"path": "a.png", "label": "cat"}}\n{{"path": "b.png", "label": {BIG}}}\n')
    rows = read_label_file(f)
    assert [r.path for r in rows] == ["a.png"]
    assert len(rows.problems) == 1 and rows.problems[0][0] == 2
    assert "too many digits" in rows.problems[0][1]


@pytest.mark.parametrize("sep", ["\u2028", "\u2029", "\x85"])
def test_a_json_lines_string_may_hold_a_unicode_line_separator(tmp_path, sep):
    """JSON allows U+2028, U+2029 and U+0085 unescaped in a string (json.dumps with
    ensure_ascii=False writes them so): they do not end a line."""
    rows = [{"path": f"photo{sep}one.png", "label": "cat"}, {"path": "b.png", "label": "dog"}]
    f = tmp_path / "labels.jsonl"
    f.write_text("".join(json.dumps(r, ensure_ascii=False) + "\r\n" for r in rows), "utf-8")
    read = read_label_file(f)
    assert read.problems == []
    assert [(r.path, r.label) for r in read] == [(f"photo{sep}one.png", "cat"), ("b.png", "dog")]


def test_a_fiftyone_dataset_with_a_huge_integer_is_refused_clearly(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "labels.json").write_text(f'{{"classes": ["cat"], "labels": {{"a": {BIG}}}}}')
    with pytest.raises(LabelFileError, match="too many digits"):
        read_labels(tmp_path, "fiftyone")


def test_a_huge_label_studio_annotation_id_still_picks_the_newest(tmp_path):
    def annotation(ident: int, label: str) -> dict:
        value = {"choices": [label]}
        return {"id": ident, "result": [{"type": "choices", "from_name": "c", "value": value}]}

    tasks = [{"data": {"image": "/data/local-files/?d=cat/a.png"},
              "annotations": [annotation(10**400, "dog"), annotation(1, "cat")]}]  # fmt: skip
    f = tmp_path / "tasks.json"
    f.write_text(json.dumps(tasks))
    _, rows = read_labels(f, "labelstudio")
    assert rows.problems == [] and [r.label for r in rows] == ["dog"]


@pytest.mark.parametrize("sign", [1, -1])
def test_a_huge_label_studio_min_annotation_id_still_picks_the_newest(tmp_path, sign):
    """Found by tests/interop/test_import_fuzz.py: JSON-MIN's annotation ids were made
    floats to compare, and one past a float's range was Python's OverflowError."""
    image = "/data/local-files/?d=cat/a.png"
    items = [
        {"image": image, "id": 1, "choice": "cat", "annotation_id": sign * 10**400},
        {"image": image, "id": 1, "choice": "dog", "annotation_id": 10**401},
    ]
    f = tmp_path / "min.json"
    f.write_text(json.dumps(items))
    _, rows = read_labels(f, "labelstudio")
    assert rows.problems == [] and [r.label for r in rows] == ["dog"]


def test_a_parquet_file_with_a_repeated_column_is_refused_clearly(tmp_path):
    f = tmp_path / "labels.parquet"
    arrays = [pa.array(["cat/a.png"]), pa.array(["x"]), pa.array(["dog"])]
    pq.write_table(pa.Table.from_arrays(arrays, names=["path", "path", "label"]), f)
    with pytest.raises(LabelFileError, match="'path' appears 2 times"):
        read_labels(f, "parquet")


def test_skipping_a_bad_row_of_one_metadata_file_keeps_other_files_rows(tmp_path):
    root = tmp_path / "images"
    for seed, name in enumerate(["train/a.png", "train/b.png", "test/c.png", "test/d.png"]):
        write_image(root / name, fmt="PNG", seed=seed)
    rows = {
        "train": [("a.png", "cat"), ("b.png", "dog")],
        "test": [("c.png", "dog"), ("d.png", "=bad")],  # line 2, as b.png's in train
    }
    for split, pairs in rows.items():
        lines = [json.dumps({"file_name": f, "label": lab}) + "\n" for f, lab in pairs]
        (root / split / "metadata.jsonl").write_text("".join(lines))
    project, _ = create_and_index(tmp_path / "proj", root, workers=1, classes=["cat", "dog"])
    _, found = read_labels(root, "hf")
    skipped: list[str] = []
    applied = apply_label_rows(project, found, skipped=skipped)
    labels = dict(zip(project.images().path, project.images().label, strict=True))
    assert applied == 3 and labels["train/b.png"] == "dog" and labels["test/c.png"] == "dog"
    assert len(skipped) == 1 and "test/metadata.jsonl line 2" in skipped[0]


def test_skipping_a_bad_metadata_row_leaves_its_image_out(tmp_path):
    """c.png is labeled in one row and refused in another: with bad rows skipped, c.png
    is left out, as in a CSV (whether the dataset folder or the one file is read)."""
    root = tmp_path / "images"
    for seed, name in enumerate(["train/a.png", "test/c.png"]):
        write_image(root / name, fmt="PNG", seed=seed)
    rows = {"train": [("a.png", "cat")], "test": [("c.png", "dog"), ("c.png", "=bad")]}
    for split, pairs in rows.items():
        lines = [json.dumps({"file_name": f, "label": lab}) + "\n" for f, lab in pairs]
        (root / split / "metadata.jsonl").write_text("".join(lines))
    project, _ = create_and_index(tmp_path / "proj", root, workers=1, classes=["cat", "dog"])
    for source in (root, root / "test" / "metadata.jsonl"):
        _, found = read_labels(source, "hf")
        apply_label_rows(project, found, skipped=[])
        labels = dict(zip(project.images().path, project.images().label, strict=True))
        assert not isinstance(labels["test/c.png"], str)  # unlabeled, as before
    assert labels["train/a.png"] == "cat"
    project.close()


def _parquet_with_bytes(path, columns: dict, old: bytes, new: bytes, at: int | None = None):
    """A Parquet file of ``columns`` (uncompressed, plain) whose bytes ``old`` are
    replaced by ``new`` (the same length), everywhere or only at their ``at``-th place:
    text Arrow wrote as UTF-8, made not UTF-8."""
    table = pa.table(columns)
    pq.write_table(table, path, compression="none", use_dictionary=False, write_statistics=False)
    data = path.read_bytes()
    places = [i for i in range(len(data)) if data.startswith(old, i)]
    assert places and len(old) == len(new)
    for i in places if at is None else [places[at]]:
        data = data[:i] + new + data[i + len(new) :]
    path.write_bytes(data)


# The footer names a column twice: in the schema, and in its column chunk's metadata
@pytest.mark.parametrize("where", ["schema", "column chunk"])
def test_a_parquet_column_name_that_is_not_utf8_is_refused_clearly(tmp_path, where):
    """Found by tests/interop/test_import_fuzz.py: a flipped bit in a column's name in
    the footer was Python's UnicodeDecodeError, an internal error."""
    f = tmp_path / "labels.parquet"
    columns = {"path": ["cat/a.png"], "label": ["cat"], "qqqq": ["x"]}
    _parquet_with_bytes(f, columns, b"qqqq", b"q\xe1qq", at=0 if where == "schema" else 1)
    with pytest.raises(LabelFileError, match="a column's name is not UTF-8 text") as err:
        read_labels(f, "parquet")
    assert str(f) in str(err.value)


@pytest.mark.parametrize("dictionary", [False, True])
def test_a_parquet_cell_that_is_not_utf8_names_its_row(tmp_path, dictionary):
    """Found by the fuzz tests too: a string cell whose bytes are not UTF-8 (a damaged or
    hand-made file) was an internal error; it is refused as a CSV's bad byte is."""
    f = tmp_path / "labels.parquet"
    paths = pa.array(["cat/a.png", "cat/qqqq.png"])
    columns = {"path": paths.dictionary_encode() if dictionary else paths, "label": ["a", "b"]}
    _parquet_with_bytes(f, columns, b"qqqq", b"q\xe1qq")
    with pytest.raises(LabelFileError, match="row 2: the 'path' column holds bytes that are not"):
        read_labels(f, "parquet")
