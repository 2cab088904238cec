"""Label files of one JSON document (a list of objects, or {path: label}) and Parquet
files are read entry by entry (a batch of rows at a time): the rows, the bad rows and the
errors are exactly those the whole-file readers gave, and a big file keeps little per row."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers import peak_bytes, project_of_rows

from labeldesk.core.errors import LabelFileError
from labeldesk.core.label_files import apply_label_rows, read_label_file
from labeldesk.core.project import Project
from labeldesk.interop.formats import parquet as parquet_format
from labeldesk.interop.formats.manifest_table import columns_of

N = 10_000

# entries with every kind of problem, and the same image twice (agreeing, then not)
ENTRIES: list[object] = [
    {"path": "a.png", "label": "cat", "split": "train"},
    {"path": "b.png", "label": "no such/class"},
    {"path": "c.png", "label": 3},
    "not an object",
    {"path": "d.png", "label": "dog", "split": "nowhere"},
    {"file": "e.png", "class": "dog"},
    {"path": "f.png"},
    {"path": "g.png", "label": "cat", "label ": "dog"},
    {"path": "../h.png", "label": "cat"},
    {"path": "a.png", "label": "cat"},
    {"path": "", "label": "cat"},
    {"path": "a.png", "label": "dog"},
    {"path": "i.png", "label": None, "status": "verified"},
    [1, 2],
]


def summary(rows):
    return (
        [tuple(r) for r in rows],
        sorted(rows.problems),
        sorted(rows.refused),
        rows.status_note,
    )


def test_a_json_list_gives_what_each_object_read_whole_gives(tmp_path):
    # reference: the same objects one a line (each parsed whole by json.loads), entry n
    # on line n
    doc, lines = tmp_path / "labels.json", tmp_path / "labels.jsonl"
    doc.write_text("[\n" + ",\n".join(json.dumps(e) for e in ENTRIES) + "\n]\n")
    lines.write_text("".join(json.dumps(e) + "\n" for e in ENTRIES))
    streamed, whole = read_label_file(doc), read_label_file(lines)
    assert streamed.unit == "entry" and whole.unit == "line"
    assert summary(streamed) == summary(whole)
    assert len(streamed) == 5 and len(streamed.problems) == 9


def test_a_json_object_of_paths_keeps_every_pair_in_order(tmp_path):
    f = tmp_path / "labels.json"
    f.write_text(' {"a.png": "cat", "b.png" : null ,"a.png":"dog", "c.png": "x/y",\n"d": 1}\n')
    rows = read_label_file(f)
    assert [tuple(r)[:4] for r in rows] == [
        ("a.png", "cat", None, 1),
        ("b.png", None, None, 2),
        ("a.png", "dog", None, 3),
    ]
    assert [n for n, _ in sorted(rows.problems)] == [4, 5]
    assert rows.read_as == "JSON"


@pytest.mark.parametrize(
    "text",
    [
        '[{"path": "a.png", "label": "cat"}, {"path": "b.png", "label": "dog"}',  # cut short
        '[{"path": "a.png", "label": "cat"},\n {"path": "b.png", "label": "dog"},\n]',
        '[{"path": "a.png", "label": "cat"}]\n[]',  # extra data
        '[{"path": "a.png", "label": "cat"} {"path": "b.png"}]',
        '[{"path": "a.png", "label": "cat"},\n{"path": "b.png", "label": dog}]',
        '{"a.png": "cat", "b.png" "dog"}',
        '{"a.png": "cat",, "b.png": "dog"}',
        '{"a.png": "cat", 3: "dog"}',
        '{"a.png": "cat"} x',
        '[{"path": "a.png", "label": ' + "[" * 100_000 + "]" * 100_000 + "}]",
        '[{"path": "a.png", "label": "cat", "n": 1' + "0" * 5000 + "}]",
        '"a.png"',
        "3",
    ],
)
def test_a_bad_json_document_is_refused_with_what_parsing_it_whole_says(tmp_path, text):
    f = tmp_path / "labels.json"
    f.write_text(text)
    try:
        data = json.loads(text)
    except RecursionError:
        expected = "the JSON is nested too deeply to be a label file"
    except json.JSONDecodeError as exc:
        expected = f"line {exc.lineno}: not valid JSON: {exc.msg}"
    except ValueError:
        expected = "it holds a number with too many digits to read: not a label file"
    else:
        assert not isinstance(data, (list, dict))
        expected = "expected a JSON object {path: label} or a list of {path, label, split}"
    with pytest.raises(LabelFileError) as err:
        read_label_file(f)
    assert err.value.problems == [expected]


def test_an_empty_json_list_or_object_has_no_rows(tmp_path, big):
    f = tmp_path / "labels.json"
    for text in ("[ ]", "{}\n"):
        f.write_text(text)
        rows = read_label_file(f)
        assert len(rows) == 0 and not rows.problems
        with pytest.raises(LabelFileError, match="the file has no rows"):
            apply_label_rows(big, rows)


@pytest.fixture
def big(tmp_path: Path) -> Project:
    """A project of N image rows without files (matching a label file needs none)."""
    project = project_of_rows(tmp_path, N)
    yield project
    project.close()


def test_a_big_json_list_is_read_in_a_few_times_its_size(tmp_path):
    # (parsed whole, then as a list of records: 10.6 times its size)
    f = tmp_path / "labels.json"
    f.write_text(json.dumps([{"path": f"train/img{i:06d}.jpg", "label": "cat"} for i in range(N)]))
    rows, peak = peak_bytes(lambda: read_label_file(f))
    assert len(rows) == N and not rows.problems
    assert peak < 6 * f.stat().st_size, peak / f.stat().st_size


# -- Parquet ----------------------------------------------------------------------------
PARQUET_ROWS = {
    "path": ["a.png", "b.png", None, "../c.png", "a.png", "d.png", "a.png", "e.png", " "],
    "label": ["cat", "no such/class", "cat", "dog", "cat", "dog", "dog", None, "cat"],
    "split": ["train", None, "val", None, None, "nowhere", None, "test", None],
    "status": ["verified", None, None, None, None, None, None, "excluded", None],
}


def test_parquet_read_in_batches_gives_what_one_batch_gives(tmp_path, monkeypatch):
    f = tmp_path / "labels.parquet"
    pq.write_table(pa.Table.from_pydict(PARQUET_ROWS), f, row_group_size=4)
    whole = parquet_format.read_parquet_rows(f, columns_of_default())
    monkeypatch.setattr(parquet_format, "BATCH_ROWS", 2, raising=False)  # (none: old code)
    batched = parquet_format.read_parquet_rows(f, columns_of_default())
    assert summary(batched) == summary(whole)
    assert [r.line for r in batched] == [1, 5, 7, 8]  # rows numbered across the batches
    assert [n for n, _ in sorted(batched.problems)] == [2, 3, 4, 6, 9]
    assert batched.unit == "row" and batched.rows[0].status == "verified"


def test_a_parquet_file_that_fails_inside_its_columns_is_refused(tmp_path, monkeypatch):
    f = tmp_path / "labels.parquet"
    pq.write_table(pa.Table.from_pydict(PARQUET_ROWS), f, row_group_size=4)

    def broken(self, **kwargs):
        yield pa.record_batch({k: v[:4] for k, v in PARQUET_ROWS.items()})
        raise pa.ArrowInvalid("a page is damaged")

    monkeypatch.setattr(pq.ParquetFile, "iter_batches", broken)
    with pytest.raises(LabelFileError) as err:
        parquet_format.read_parquet_rows(f, columns_of_default())
    assert err.value.problems == ["cannot read its columns: a page is damaged"]


def test_a_big_parquet_file_keeps_little_per_row(tmp_path, monkeypatch, big):
    # (its columns as Python lists, then records: 294 bytes a row)
    monkeypatch.setattr(parquet_format, "BATCH_ROWS", 1000, raising=False)
    f = tmp_path / "labels.parquet"
    paths = [f"train/img{i:06d}.jpg" for i in range(N)]
    pq.write_table(pa.Table.from_pydict({"path": paths, "label": ["cat"] * N}), f)
    rows, peak = peak_bytes(lambda: parquet_format.read_parquet_rows(f, columns_of_default()))
    assert len(rows) == N and not rows.problems
    assert peak < 200 * N, peak / N
    assert apply_label_rows(big, rows) == N


def columns_of_default():
    from labeldesk.interop.formats.base import ImportOptions

    return columns_of(ImportOptions())


# -- Label Studio ---------------------------------------------------------------------
def task(ref: object, choice: object = "cat", **data: object) -> dict:
    result = [{"from_name": "choice", "type": "choices", "value": {"choices": [choice]}}]
    return {"data": {"image": ref, **data}, "annotations": [{"result": result}]}


TASKS: list[object] = [
    task("/data/local-files/?d=train/a.png", split="train"),
    task("/data/local-files/?d=train/b.png", "no such/class"),
    "not a task",
    task("data:image/png;base64,AAAA"),
    task("/data/local-files/?d=../c.png"),
    task("/data/local-files/?d=train/a.png"),
    task("/data/local-files/?d=train/a.png", "dog"),
    {"data": {"image": "/data/local-files/?d=train/d.png", "split": "val"}},
    {"data": {"image": "/data/local-files/?d=train/e.png"}},
    task("s3://bucket/train/f.png", status="verified"),
]


def test_a_label_studio_export_read_task_by_task_gives_what_the_whole_list_gives(tmp_path):
    from labeldesk.interop.formats.base import ImportOptions
    from labeldesk.interop.formats.json_input import load_json
    from labeldesk.interop.formats.labelstudio_min import read_export
    from labeldesk.interop.formats.labelstudio_read import tasks_rows

    f = tmp_path / "tasks.json"
    f.write_text(json.dumps(TASKS, indent=1))
    streamed = read_export(f, ImportOptions())
    whole = tasks_rows(load_json(f), f, ImportOptions())
    assert summary(streamed) == summary(whole)
    assert [r.line for r in streamed] == [1, 6, 7, 8, 10]
    assert [n for n, _ in sorted(streamed.problems)] == [2, 3, 4, 5]
    assert streamed.unmatched_ok


def test_a_label_studio_export_of_prediction_ids_is_refused_after_every_task(tmp_path):
    from labeldesk.interop.formats.base import ImportOptions
    from labeldesk.interop.formats.labelstudio_min import read_export
    from labeldesk.interop.formats.labelstudio_read import PREDICTION_IDS

    f = tmp_path / "tasks.json"
    tasks = [{**task(f"/data/local-files/?d=train/{i}.png"), "predictions": [i]} for i in range(3)]
    f.write_text(json.dumps(tasks))
    with pytest.raises(LabelFileError) as err:
        read_export(f, ImportOptions(predictions=True))
    assert err.value.problems == [PREDICTION_IDS]
    f.write_text(json.dumps([{"predictions": [1]}, {"data": {"image": "a.png"}}]))
    with pytest.raises(LabelFileError) as err:  # (an object that is not a task counts)
        read_export(f, ImportOptions(predictions=True))
    assert err.value.problems == [PREDICTION_IDS]
    tasks[2]["predictions"] = [{"result": task("x")["annotations"][0]["result"]}]
    f.write_text(json.dumps(tasks))
    rows = read_export(f, ImportOptions(predictions=True))
    assert [r.line for r in rows] == [3] and len(rows.problems) == 2


@pytest.mark.parametrize(
    "tail", [",\n]", "\n] x", ', {"data": {"image": "a.png", "image": "b.png"}}]', ", tru]"]
)
def test_a_label_studio_export_broken_after_good_tasks_is_refused_as_parsed_whole(tmp_path, tail):
    from labeldesk.interop.formats.base import ImportOptions
    from labeldesk.interop.formats.json_input import strict_json
    from labeldesk.interop.formats.labelstudio_min import read_export

    f = tmp_path / "tasks.json"
    text = json.dumps(TASKS)[:-1] + tail
    f.write_text(text)
    with pytest.raises(LabelFileError) as whole:
        strict_json(text, str(f))
    with pytest.raises(LabelFileError) as streamed:
        read_export(f, ImportOptions())
    assert streamed.value.problems == whole.value.problems


def test_a_big_label_studio_export_is_read_in_a_few_times_its_size(tmp_path):
    # (parsed whole: 10 times its size; now its bytes and its text, briefly, and its rows)
    from labeldesk.interop.formats.base import ImportOptions
    from labeldesk.interop.formats.labelstudio_min import read_export

    f = tmp_path / "tasks.json"
    f.write_text(json.dumps([task(f"/data/local-files/?d=train/img{i:06d}.jpg") for i in range(N)]))
    rows, peak = peak_bytes(lambda: read_export(f, ImportOptions()))
    assert len(rows) == N and not rows.problems
    assert peak < 5 * f.stat().st_size, peak / f.stat().st_size


@pytest.mark.parametrize(
    "text",
    [
        '[{"a": "[[[{"}, [[1]], {"b": "\\\\"}, {"c": "\\"[["}]',
        '{"x": [[[[]]]], "y": "]]]]", "z": [{"w": [[["\\\\\\""]]]}]}',
        "]]][[",
        '"[[["',
        "",
    ],
)
def test_the_json_depth_is_the_same_judged_a_few_characters_at_a_time(text, monkeypatch):
    from labeldesk.interop.formats import json_input

    whole = json_input.json_depth(text.encode())
    monkeypatch.setattr(json_input, "DEPTH_CHUNK", 3)
    assert json_input.json_depth(text.encode()) == whole
