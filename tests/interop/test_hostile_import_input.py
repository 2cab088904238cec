"""Hostile input to the label importers (an audit of every format): text that is not
valid Unicode, a JSON key written twice in a WebDataset sample, a file with a UTF-8 BOM
and a bad byte, a FiftyOne class index naming a blank class, the project's own folder.
Each gets a clear LabelFileError naming the file and the row, never an internal error,
and nothing is applied."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from labeldesk.core.classes import class_name_problem
from labeldesk.core.errors import LabelDeskError, LabelFileError
from labeldesk.core.label_files import apply_label_rows, read_label_file
from labeldesk.interop.formats import detect_format, read_labels

IMG = "train/cat/cat0.jpg"
LONE = "\\ud800"  # a JSON escape of half a UTF-16 pair: not a character, not UTF-8


def _tar(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _ls_task(image: str, label: str) -> str:
    value = '{"choices": ["' + label + '"]}'
    result = '[{"type": "choices", "from_name": "c", "to_name": "image", "value": ' + value + "}]"
    data = '{"image": "/data/local-files/?d=' + image + '"}'
    return '[{"id": 1, "data": ' + data + ', "annotations": [{"id": 1, "result": ' + result + "}]}]"


def _source(tmp_path: Path, fmt: str, path: str, label: str) -> Path:
    """A label file of ``fmt`` whose one row gives ``path`` the label ``label`` (both as
    JSON text, escapes allowed)."""
    if fmt == "json":
        f = tmp_path / "labels.json"
        f.write_text('[{"path": "' + path + '", "label": "' + label + '"}]')
    elif fmt == "jsonl":
        f = tmp_path / "labels.jsonl"
        f.write_text('{"path": "' + path + '", "label": "' + label + '"}\n')
    elif fmt == "labelstudio":
        f = tmp_path / "tasks.json"
        f.write_text(_ls_task(path, label))
    elif fmt == "hf":
        f = tmp_path / "hf"
        (f / "train").mkdir(parents=True)
        name = path.removeprefix("train/")
        line = '{"file_name": "' + name + '", "label": "' + label + '"}\n'
        (f / "train" / "metadata.jsonl").write_text(line)
    else:  # webdataset: a sample whose bytes no image has, named by its KEY.json's path
        f = tmp_path / "train-000000.tar"
        record = '{"path": "' + path + '", "label": "' + label + '"}'
        f.write_bytes(_tar({"k1.png": b"not these bytes", "k1.json": record.encode()}))
    return f


FORMATS = ["json", "jsonl", "labelstudio", "hf", "webdataset"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("where", ["path", "label"])
def test_text_that_is_not_unicode_is_a_bad_row_not_an_internal_error(tmp_path, project, fmt, where):
    """A lone surrogate (``\\ud800`` in JSON) cannot be stored or shown as UTF-8: the
    path crashed the look-up of images, a label gave Python's codec message."""
    path, label = (IMG + LONE, "dog") if where == "path" else (IMG, "d" + LONE + "g")
    source = _source(tmp_path, fmt, path, label)
    before = project.images()[["path", "label"]].to_dict("records")
    _, rows = read_labels(source, None if fmt in ("json", "jsonl") else fmt)
    with pytest.raises(LabelFileError) as err:
        apply_label_rows(project, rows, create_classes=True)
    text = str(err.value)
    assert "not valid text" in text and "\\ud800" in text, text
    assert "codec" not in text, text
    assert project.images()[["path", "label"]].to_dict("records") == before


def test_with_bad_rows_skipped_a_path_that_is_not_unicode_is_listed(tmp_path, project):
    f = tmp_path / "labels.json"
    f.write_text(
        '[{"path": "' + IMG + LONE + '", "label": "dog"}, '
        '{"path": "train/dog/dog0.jpg", "label": "cat"}]'
    )
    skipped: list[str] = []
    assert apply_label_rows(project, read_label_file(f), skipped=skipped) == 1
    assert len(skipped) == 1 and skipped[0].startswith("entry 1:"), skipped
    labels = dict(zip(project.images().path, project.images().label, strict=True))
    assert labels["train/dog/dog0.jpg"] == "cat" and labels[IMG] == "cat"


@pytest.mark.parametrize("name", ["d\ud800g", "caf\udce9"])  # from JSON; from a Latin-1 argv
def test_a_class_name_that_is_not_unicode_says_so(name):
    assert "not valid text" in (class_name_problem(name) or "")


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_a_bad_byte_after_a_utf8_bom_is_the_one_named(tmp_path, suffix):
    """With a BOM the reported byte was three bytes early (another, valid byte) and
    could be on the wrong line."""
    f = tmp_path / f"labels{suffix}"
    body = "path,label\n" if suffix == ".csv" else '[{"path": "a.png", "label": "'
    f.write_bytes(b"\xef\xbb\xbf" + body.encode() + b"caf\xe9")
    with pytest.raises(LabelFileError) as err:
        read_label_file(f)
    line = 2 if suffix == ".csv" else 1
    assert f"line {line}: byte 0xE9 is not UTF-8" in str(err.value), str(err.value)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("path,label\na.png,cat\n".encode("utf-32"), "UTF-32"),
        ("path,label\na.png,cat\n".encode("utf-16-le"), "UTF-16"),  # no byte-order mark
        ("path,label\na.png,cat\n".encode("utf-16-be"), "UTF-16"),
    ],
    ids=["utf-32", "utf-16-le", "utf-16-be"],
)
def test_wide_text_encodings_are_named_not_called_binary(tmp_path, data, reason):
    f = tmp_path / "labels.csv"
    f.write_bytes(data)
    with pytest.raises(LabelFileError) as err:
        read_label_file(f)
    assert f"the file is {reason} text; save it as UTF-8" in str(err.value), str(err.value)


def _sample(tmp_path: Path, project, record: bytes) -> Path:
    image = (project.root / IMG).read_bytes()
    shard = tmp_path / "train-000000.tar"
    shard.write_bytes(_tar({"k1.jpg": image, "k1.json": record}))
    return shard


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        (b'{"label": "dog", "label": "cat"}', 'the key "label" is written twice'),
        (b'{"label": ' + b"9" * 5000 + b"}", "too many digits"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
    ids=["repeated-key", "huge-number", "deep"],
)
def test_a_webdataset_sample_json_is_read_as_strictly_as_a_label_file(
    tmp_path, project, record, problem
):
    """A key written twice kept the last value without a word (the README promises a
    refusal for every JSON label file); Python's own advice leaked into messages."""
    rows = read_labels(_sample(tmp_path, project, record), "webdataset")[1]
    before = project.images()[["path", "label"]].to_dict("records")
    with pytest.raises(LabelFileError) as err:
        apply_label_rows(project, rows)
    text = str(err.value)
    assert "sample 1:" in text and problem in text, text
    assert "sys.set_int_max_str_digits" not in text and "recursion" not in text, text
    assert project.images()[["path", "label"]].to_dict("records") == before


def test_a_webdataset_classes_file_in_utf16_says_so(tmp_path, project):
    (tmp_path / "classes.txt").write_bytes("cat\ndog\n".encode("utf-16"))
    shard = _sample(tmp_path, project, b'{"label": 1}')
    with pytest.raises(LabelFileError) as err:
        read_labels(shard, "webdataset")
    assert "the file is UTF-16 text; save it as UTF-8" in str(err.value), str(err.value)
    assert "codec" not in str(err.value)


@pytest.mark.parametrize("blank", ["", "   ", "\n"])
def test_a_fiftyone_index_naming_a_blank_class_is_a_bad_row(tmp_path, project, blank):
    """It unlabeled the image without a word: a blank name in "classes" names no class."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "cat0.jpg").write_bytes((project.root / IMG).read_bytes())
    labels = {"classes": [blank, "dog"], "labels": {"cat0": 0}}
    (tmp_path / "labels.json").write_text(json.dumps(labels))
    rows = read_labels(tmp_path, "fiftyone")[1]
    with pytest.raises(LabelFileError, match=r'entry 1: .*index 0 names no class in "classes"'):
        apply_label_rows(project, rows)
    assert project.images().set_index("path").label[IMG] == "cat"


@pytest.mark.parametrize(
    "part", ["", "thumbs", "labeldesk.db", "labeldesk.db-wal"], ids=lambda p: p or "folder"
)
@pytest.mark.parametrize("fmt", [None, "imagefolder", "csv"])
def test_the_projects_own_folder_is_not_a_label_source(project, part, fmt):
    """The project folder read as class folders gave one problem per thumbnail; its
    database was 'not a label file' with advice to name a format."""
    source = project.path / part if part else project.path
    if part == "labeldesk.db-wal":
        source.write_bytes(b"")  # (there while the app has the project open)
    with pytest.raises(LabelDeskError) as err:
        read_labels(source, fmt) if fmt else detect_format(source)
    text = str(err.value)
    assert "LabelDesk project" in text and "not a label file" in text, text
    assert "--format" not in text and len(text.splitlines()) <= 2, text
