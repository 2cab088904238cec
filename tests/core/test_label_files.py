from __future__ import annotations

import json

import pytest

from labeldesk.core.errors import LabelFileError, UnknownClassError, UnknownPathError
from labeldesk.core.label_files import apply_label_rows, read_label_file
from labeldesk.core.project import create_and_index


def test_csv_with_header_and_split(tmp_path):
    f = tmp_path / "labels.csv"
    f.write_text("filename,class,split\n_unlabeled/u0.png,cat,val\n.\\_unlabeled\\u1.png,dog,\n")
    rows = read_label_file(f)
    assert [(r.path, r.label, r.split) for r in rows] == [
        ("_unlabeled/u0.png", "cat", "val"),
        ("./_unlabeled/u1.png", "dog", None),
    ]


def test_csv_without_header(tmp_path):
    f = tmp_path / "labels.csv"
    f.write_text("a.jpg,cat\nb.jpg,\n")
    assert [(r.path, r.label) for r in read_label_file(f)] == [("a.jpg", "cat"), ("b.jpg", None)]


def test_json_dict_and_list(tmp_path):
    f = tmp_path / "l.json"
    f.write_text(json.dumps({"a.jpg": "cat", "b.jpg": None}))
    assert [(r.path, r.label) for r in read_label_file(f)] == [("a.jpg", "cat"), ("b.jpg", None)]
    f.write_text(json.dumps([{"path": "a.jpg", "label": "cat", "split": "test"}]))
    assert read_label_file(f)[0].split == "test"


def test_every_bad_row_is_reported_with_its_line(tmp_path):
    f = tmp_path / "labels.csv"
    f.write_text(
        "path,label,split\nok.jpg,cat,train\nshort.jpg\n,dog,train\nx.jpg,cat,holdout\n"
        "ok.jpg,dog,train\n"
    )
    with pytest.raises(LabelFileError) as err:
        read_label_file(f)
    text = "\n".join(err.value.problems)
    assert "line 3" in text and "line 4: empty path" in text and "holdout" in text
    assert "line 6" in text and "already given" in text


def test_bad_json_is_reported(tmp_path):
    f = tmp_path / "l.json"
    f.write_text("{not json")
    with pytest.raises(LabelFileError, match="not valid JSON"):
        read_label_file(f)


def test_unknown_paths_apply_nothing(project, tmp_path):
    f = tmp_path / "labels.csv"
    f.write_text("path,label\n_unlabeled/u0.png,cat\nmissing/one.jpg,dog\n")
    with pytest.raises(UnknownPathError) as err:
        apply_label_rows(project, read_label_file(f))
    assert err.value.paths == ["missing/one.jpg"]
    assert project.images().set_index("path").label.isna()["_unlabeled/u0.png"]


def test_unknown_classes_apply_nothing_unless_allowed(project, tmp_path):
    f = tmp_path / "labels.csv"
    f.write_text("path,label\n_unlabeled/u0.png,cat\n_unlabeled/u1.png,fox\n")
    with pytest.raises(UnknownClassError, match="fox"):
        apply_label_rows(project, read_label_file(f))
    assert project.history(limit=1)[0].source == "import"  # nothing new was recorded
    assert apply_label_rows(project, read_label_file(f), create_classes=True) == 2
    assert "fox" in project.classes()


def test_absolute_paths_inside_the_root_are_accepted(project, imagefolder, tmp_path):
    root, _ = imagefolder
    f = tmp_path / "labels.csv"
    f.write_text(f"path,label\n{root / '_unlabeled/u0.png'},dog\n")
    apply_label_rows(project, read_label_file(f))
    assert project.images().set_index("path").label["_unlabeled/u0.png"] == "dog"


def test_new_with_labels_file_overrides_folders_and_sets_splits(tmp_path, imagefolder):
    root, _ = imagefolder
    f = tmp_path / "labels.csv"
    f.write_text("path,label,split\n_unlabeled/u0.png,bird,test\ntrain/cat/cat0.jpg,dog,\n")
    project, _ = create_and_index(tmp_path / "p", root, labels_file=f, workers=1)
    with project:
        frame = project.images().set_index("path")
        assert (frame.label["_unlabeled/u0.png"], frame.split["_unlabeled/u0.png"]) == (
            "bird",
            "test",
        )
        assert frame.label["train/cat/cat0.jpg"] == "dog"
        assert project.history("train/cat/cat0.jpg")[0].source == "import"


def test_failed_new_leaves_no_project_behind(tmp_path, imagefolder):
    root, _ = imagefolder
    f = tmp_path / "labels.csv"
    f.write_text("path,label\nnot/there.jpg,cat\n")
    with pytest.raises(UnknownPathError):
        create_and_index(tmp_path / "p", root, labels_file=f, workers=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["images", "labels.csv"]
