"""`labeldesk import` and `new --labels`: the format is detected and named; bad rows stop
everything unless --skip-bad-rows, which applies the good ones and lists the bad."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import cli_json, imagefolder_project, make_imagefolder

from labeldesk.cli import main
from labeldesk.core.project import open_project


@pytest.fixture
def proj(tmp_path: Path, capsys) -> str:
    return imagefolder_project(tmp_path, capsys)


def labels_of(proj: str) -> dict[str, object]:
    with open_project(proj) as project:
        frame = project.images().set_index("path")
        return {p: (lab if isinstance(lab, str) else None) for p, lab in frame.label.items()}


def test_import_detects_the_format_and_applies_one_undoable_batch(proj, tmp_path, capsys):
    f = tmp_path / "train.csv"
    f.write_text("id,category\n_unlabeled/u0.png,dog\n_unlabeled/u1.png,cat\n")
    code, doc = cli_json(
        capsys, "import", proj, str(f), "--path-column", "id", "--label-column", "category"
    )
    assert code == 0 and doc["format"] == "csv" and doc["applied"] == 2
    labels = labels_of(proj)
    assert labels["_unlabeled/u0.png"] == "dog" and labels["_unlabeled/u1.png"] == "cat"
    assert cli_json(capsys, "undo", proj)[1]["events"] == 2
    assert labels_of(proj)["_unlabeled/u0.png"] is None


def test_a_bad_row_stops_the_import_and_every_problem_is_listed(proj, tmp_path, capsys):
    f = tmp_path / "labels.csv"
    f.write_text("path,label\n_unlabeled/u0.png,dog\n../../etc/passwd,cat\nnope.png,cat\n")
    before = labels_of(proj)
    code, doc = cli_json(capsys, "import", proj, str(f))
    assert code == 1 and "line 3" in doc["error"] and "line 4" in doc["error"]
    assert labels_of(proj) == before  # nothing applied


def test_skip_bad_rows_applies_the_good_ones_and_lists_the_rest(proj, tmp_path, capsys):
    f = tmp_path / "labels.csv"
    f.write_text("path,label\n_unlabeled/u0.png,dog\nnope.png,cat\n_unlabeled/u1.png,\n")
    code, doc = cli_json(capsys, "import", proj, str(f), "--skip-bad-rows")
    assert code == 0 and doc["applied"] == 1  # u1 was unlabeled already: no change
    assert len(doc["skipped"]) == 1 and doc["skipped"][0].startswith("line 3")
    assert labels_of(proj)["_unlabeled/u0.png"] == "dog"


def test_new_says_which_format_it_read(tmp_path, capsys):
    root = tmp_path / "images"
    make_imagefolder(root)
    f = tmp_path / "labels.json"
    f.write_text(json.dumps({"_unlabeled/u0.png": "bird"}))
    code, doc = cli_json(
        capsys, "new", str(tmp_path / "p"), "--images", str(root), "--labels", str(f),
        "--workers", "1",
    )  # fmt: skip
    assert code == 0 and doc["labels"]["format"] == "csv" and doc["labels"]["rows"] == 1
    assert labels_of(str(tmp_path / "p"))["_unlabeled/u0.png"] == "bird"


def test_an_unrecognised_file_names_the_option_to_use(proj, tmp_path, capsys):
    f = tmp_path / "labels.xyz"
    f.write_bytes(b"\x00\x01\x02")
    code, doc = cli_json(capsys, "import", proj, str(f))
    assert code == 1 and "with --format NAME" in doc["error"]
    missing = tmp_path / "nowhere.csv"
    code, doc = cli_json(capsys, "import", proj, str(missing))
    assert code == 1 and doc["error"] == f"{missing}: file not found"  # no format hint


@pytest.mark.parametrize("fmt", ["labelstudio", "fiftyone", "parquet", "hf"])
def test_new_from_another_tools_export_takes_its_labels_not_its_folder_names(
    proj, tmp_path, capsys, fmt
):
    from labeldesk.interop.export import ExportOptions, export

    with open_project(proj) as project:
        export(project, tmp_path / "out", fmt, ExportOptions(include_unlabeled=True))
        before = project.images(include_skipped=False)
        classes = project.classes()
    labels = {"labelstudio": "tasks.json", "parquet": "labels.parquet"}.get(fmt, "")
    code, doc = cli_json(
        capsys, "new", str(tmp_path / "q"), "--images", str(tmp_path / "out"),
        "--labels", str(tmp_path / "out" / labels), "--workers", "1",
    )  # fmt: skip
    assert code == 0 and doc["labels"]["format"] == fmt
    # its folders (images/, data/) are its layout: no advice to make them classes
    assert not [w for w in doc["warnings"] if "class" in w], doc["warnings"]
    with open_project(tmp_path / "q") as copy:
        after = copy.images(include_skipped=False)
        assert sorted(copy.classes()) == sorted(classes)  # no "images", "data" or split class

    def by_hash(frame):
        pairs = zip(frame.hash, frame.label, strict=True)
        return {h: (lab if isinstance(lab, str) else None) for h, lab in pairs}

    assert by_hash(after) == by_hash(before)


@pytest.mark.parametrize(
    ("name", "text", "shown"),
    [
        ("labels.json", '[{"path": "_unlabeled/u0.png", "label": "dog"}]', "JSON"),
        ("labels.jsonl", '{"path": "_unlabeled/u0.png", "label": "dog"}\n', "JSON lines"),
        ("labels.txt", '[{"path": "_unlabeled/u0.png", "label": "dog"}]', "JSON"),
        ("labels.csv", "path,label\n_unlabeled/u0.png,dog\n", "csv"),
    ],
)
def test_the_message_names_what_the_file_was_read_as(proj, tmp_path, capsys, name, text, shown):
    """The csv format reads JSON too: the message and the undo entry say which it was
    (a JSON file was reported as read "as csv")."""
    f = tmp_path / name
    f.write_text(text)
    assert main(["import", proj, str(f)]) == 0
    assert f"read {f} as {shown}: 1 label applied" in capsys.readouterr().out
    assert labels_of(proj)["_unlabeled/u0.png"] == "dog"
    assert main(["undo", proj]) == 0
    assert f"labels from {name} ({shown})" in capsys.readouterr().out


def test_an_older_file_names_a_renamed_class_by_its_old_name(project, tmp_path, capsys):
    """A file written before a class was renamed (or merged) was refused ("unknown class
    'dog'"), though the project records what the class became; a removed class's name
    is still unknown."""
    f = tmp_path / "old.csv"
    f.write_text("path,label\ntrain/cat/cat0.jpg,dog\n")
    project.rename_class("dog", "hound")
    assert main(["import", str(project.path), str(f), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["applied"] == 1 and data["old_class_names"] == {"dog": "hound"}
    assert project.images().set_index("path").label["train/cat/cat0.jpg"] == "hound"
    project.undo()
    assert main(["label", str(project.path), "--csv", str(f)]) == 0
    assert "is an old name of renamed or merged classes" in capsys.readouterr().out
    project.remove_class("hound")
    assert main(["import", str(project.path), str(f)]) == 1
    assert "unknown class" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["json", "JSON", "jsonl"])
def test_format_json_names_the_reader_the_output_names(project, tmp_path, capsys, name):
    """`import` says "read x.json as JSON", but `--format json` was an unknown format."""
    f = tmp_path / ("labels.jsonl" if name == "jsonl" else "labels.json")
    rows = [{"path": "train/cat/cat0.jpg", "label": "dog"}]
    f.write_text(json.dumps(rows) if name != "jsonl" else json.dumps(rows[0]) + "\n")
    assert main(["import", str(project.path), str(f), "--format", name]) == 0
    assert "1 label applied" in capsys.readouterr().out
    assert project.images().set_index("path").label["train/cat/cat0.jpg"] == "dog"


def test_skipped_rows_are_counted_as_rows_and_a_good_row_left_out_is_named(
    project, tmp_path, capsys
):
    """Two problems of line 3 read "left out 2 bad rows", and line 2 (a good row of the
    same image, left out with it) was never mentioned."""
    f = tmp_path / "labels.csv"
    f.write_text("path,label\ntrain/cat/cat0.jpg,dog\ntrain/cat/cat0.jpg,shrit\n")
    assert main(["import", str(project.path), str(f), "--skip-bad-rows"]) == 0
    out = capsys.readouterr().out
    assert "left out 2 rows:" in out
    assert "line 2: 'train/cat/cat0.jpg' left out with the bad row of that image" in out
    assert out.count("line 3:") == 2
