"""FiftyOne image classification: data/ + labels.json, one dataset per split when the
export has splits; read back in every form FiftyOne documents."""

from __future__ import annotations

import json

import pytest
from helpers import write_image

from interop.label_states import by_content
from labeldesk.core.create import create_and_index
from labeldesk.core.errors import LabelFileError
from labeldesk.core.label_files import apply_label_rows
from labeldesk.interop.export import ExportOptions, export
from labeldesk.interop.formats import detect_format, read_labels


def round_trip(project, tmp_path, options=None):
    out = tmp_path / "out"
    export(project, out, "fiftyone", options or ExportOptions())
    copy, _ = create_and_index(tmp_path / "copy", out, workers=1)
    name, rows = read_labels(out)
    assert name == "fiftyone" and rows.problems == []
    apply_label_rows(copy, rows, create_classes=True)
    return out, copy


def test_one_dataset_per_split_and_the_same_labels_and_splits_back(project, tmp_path):
    project.set_splits({"train/cat/cat1.jpg": "test"})
    project.set_label("val/dog/dog0.jpg", "cat")
    original = by_content(project)
    out, copy = round_trip(project, tmp_path, ExportOptions(include_unlabeled=True))
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == [
        "test", "train", "unassigned", "val",
    ]  # fmt: skip
    train = json.loads((out / "train/labels.json").read_text())
    assert train["classes"] == ["cat", "dog"]
    # keys: the images' paths in data/, which keeps the project's folders
    assert train["labels"]["train/cat/cat0"] == 0 and train["labels"]["train/dog/dog3"] == 1
    assert "train/cat/cat1" not in train["labels"]  # moved to test
    assert (out / "train/data/train/cat/cat0.jpg").is_file()
    assert set(json.loads((out / "unassigned/labels.json").read_text())["labels"].values()) == {
        None
    }
    assert by_content(copy) == original  # unlabeled (null) included
    copy.close()


def test_without_splits_one_flat_dataset(tmp_path):
    root = tmp_path / "flat"
    for n, rel in enumerate(("cat/a.jpg", "cat/b.jpg", "dog/a.png", "dog/c.jpg")):
        write_image(root / rel, fmt="PNG" if rel.endswith("png") else "JPEG", seed=n)
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    write_image(root / "new.png", fmt="PNG", seed=9)  # unlabeled, no split
    project.scan(workers=1)
    original = by_content(project)
    assert set(original.values()) == {("cat", "train"), ("dog", "train"), (None, None)}
    out, copy = round_trip(project, tmp_path, ExportOptions(include_unlabeled=True))
    assert sorted(p.name for p in out.iterdir()) == ["data", "labeldesk-export.json", "labels.json"]
    labels = json.loads((out / "labels.json").read_text())["labels"]
    assert len(labels) == 5 and labels["new"] is None
    assert {"cat/a", "dog/a", "cat/b", "dog/c"} <= set(labels)  # the project's folders kept
    assert by_content(copy) == original
    copy.close()
    project.close()


def test_labels_json_alone_and_the_documented_target_forms(tmp_path):
    data = tmp_path / "ds" / "data"
    for n, name in enumerate(("a.jpg", "b.jpg", "c.jpg", "d.jpg", "sub/e.jpg")):
        write_image(data / name, seed=n)
    labels = tmp_path / "ds" / "labels.json"
    labels.write_text(
        json.dumps({"labels": {"a": "cat", "b": None, "c": {"label": "dog", "confidence": 0.9},
                               "sub/e": "dog"}})
    )  # fmt: skip
    assert detect_format(labels) == "fiftyone" and detect_format(tmp_path / "ds") == "fiftyone"
    _, rows = read_labels(labels)
    assert [(r.path, r.label, r.split) for r in rows] == [  # from the folder: by suffix
        ("data/a.jpg", "cat", None),
        ("data/b.jpg", None, None),
        ("data/c.jpg", "dog", None),
        ("data/sub/e.jpg", "dog", None),
    ]
    project, _ = create_and_index(tmp_path / "proj", tmp_path / "ds", workers=1)
    apply_label_rows(project, rows, create_classes=True)
    frame = project.images().set_index("path")
    assert frame.label["data/c.jpg"] == "dog" and frame.label["data/sub/e.jpg"] == "dog"
    project.close()


def test_bad_entries_are_listed_by_number_and_file(tmp_path):
    for split in ("train", "val"):
        for name in ("a.jpg", "b.jpg", "b.png"):
            write_image(tmp_path / "ds" / split / "data" / name, seed=len(name))
    good = {"classes": ["cat", "dog"], "labels": {"a": 1}}
    bad = {
        "classes": ["cat", "dog"],
        "labels": {"a": 5, "b": 0, "gone": 0, "../../etc/passwd": 0, "x": [0, 1], "y": 0.5},
    }
    (tmp_path / "ds/train/labels.json").write_text(json.dumps(good))
    (tmp_path / "ds/val/labels.json").write_text(json.dumps(bad))
    _, rows = read_labels(tmp_path / "ds", "fiftyone")
    assert [(r.label, r.split, r.line) for r in rows] == [("dog", "train", 1)]
    problems = dict(rows.problems)
    assert sorted(problems) == [2, 3, 4, 5, 6, 7]  # entries run on across the two files
    assert all(p.startswith("val/labels.json: ") for p in problems.values())
    assert "class index 5 is not in" in problems[2]
    assert "2 files in data/ have this name (b.jpg, b.png)" in problems[3]
    assert "no image with this name" in problems[4]
    assert "leads out of data/" in problems[5]
    assert "multi-label" in problems[6]
    assert "not a class index" in problems[7]


def test_files_that_are_not_fiftyone_datasets_are_refused(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    f = tmp_path / "labels.json"
    f.write_text('{"classes": "cat", "labels": {}}')
    with pytest.raises(LabelFileError, match="list of class names"):
        read_labels(f)
    f.write_text('{"labels": ' * 100 + "{}" + "}" * 100)
    with pytest.raises(LabelFileError, match="nests 101 levels"):
        read_labels(f)
    f.write_text('{"labels": []}')
    with pytest.raises(LabelFileError, match="expected"):
        read_labels(f)
    from labeldesk.core import label_bytes

    monkeypatch.setattr(label_bytes, "MAX_LABEL_FILE_BYTES", 10)
    with pytest.raises(LabelFileError, match="over 10 are refused"):
        read_labels(f)
    with pytest.raises(LabelFileError, match="no labels"):
        read_labels(tmp_path / "data", "fiftyone")


def test_an_image_given_twice_in_labels_json_is_refused_not_last_wins(tmp_path):
    data = tmp_path / "ds" / "data"
    write_image(data / "a.jpg", seed=1)
    labels = tmp_path / "ds" / "labels.json"
    labels.write_text('{"classes": ["cat", "dog"], "labels": {"a": 1, "a": 0}}')
    with pytest.raises(LabelFileError, match='"a" is written twice'):
        read_labels(labels)


def test_fiftyones_own_flat_export_finds_the_images_by_their_bytes(project, imagefolder, tmp_path):
    """FiftyOne's exporter copies every image into one flat data/ folder, renaming those
    that share a name (cat0.jpg, cat0-2.jpg): every row failed "not an image in the
    project". The files are the images' bytes, and those name them."""
    import shutil

    root, _ = imagefolder
    data = tmp_path / "fo" / "data"
    data.mkdir(parents=True)
    shutil.copy(root / "train/cat/cat0.jpg", data / "cat0.jpg")
    shutil.copy(root / "val/cat/cat0.jpg", data / "cat0-2.jpg")  # same name: renamed
    shutil.copy(root / "test/dog/dog1.jpg", data / "dog1.jpg")
    labels = {"cat0": 1, "cat0-2": 1, "dog1": 0}
    (tmp_path / "fo" / "labels.json").write_text(
        json.dumps({"classes": ["cat", "dog"], "labels": labels})
    )
    _, rows = read_labels(tmp_path / "fo")
    assert apply_label_rows(project, rows) == 3
    frame = project.images().set_index("path")
    assert frame.label["train/cat/cat0.jpg"] == "dog" and frame.label["val/cat/cat0.jpg"] == "dog"
    assert frame.label["test/dog/dog1.jpg"] == "cat"
    assert rows.by_name == 0  # each by its bytes, none by a file name


def test_statuses_travel_in_a_key_fiftyone_does_not_read(project, tmp_path):
    """FiftyOne's importer reads ``classes`` and ``labels`` alone; the statuses go beside
    them, only in a dataset that has some, and come back into a fresh project."""
    project.set_status(["val/cat/cat0.jpg"], "verified")
    project.set_status(["val/dog/dog1.jpg"], "excluded")
    out, copy = round_trip(project, tmp_path, ExportOptions(include_excluded=True))
    val = json.loads((out / "val" / "labels.json").read_text())
    assert val["labeldesk_status"] == {"val/cat/cat0": "verified", "val/dog/dog1": "excluded"}
    assert set(json.loads((out / "train" / "labels.json").read_text())) == {"classes", "labels"}
    statuses = copy.images().set_index("path").status.dropna().to_dict()
    assert statuses == {
        "val/data/val/cat/cat0.jpg": "verified",
        "val/data/val/dog/dog1.jpg": "excluded",
    }
    copy.close()


def test_a_status_word_it_does_not_know_is_not_read_and_said(tmp_path):
    write_image(tmp_path / "ds" / "data" / "a.jpg", seed=1)
    labels = {"classes": ["cat"], "labels": {"a": 0}, "labeldesk_status": {"a": "ok"}}
    (tmp_path / "ds" / "labels.json").write_text(json.dumps(labels))
    _, rows = read_labels(tmp_path / "ds")
    assert [(r.label, r.status) for r in rows.rows] == [("cat", "")]
    assert "'ok'" in rows.status_note and "not read" in rows.status_note


def test_an_odd_target_is_shown_as_the_json_has_it():
    from labeldesk.interop.formats.fiftyone import _target

    assert _target(True, ["cat"]) == (
        None,
        "the target true is not a class index, a label or null",
    )
    assert _target({"a": 1}, None)[1] == (
        'the target {"a": 1} is not a class index, a label or null'
    )
