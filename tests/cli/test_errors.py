"""Every expected failure is one message a person understands; with --json, one document
{"error", "kind"} on stdout and a non-zero exit. Nothing is lost on the way."""

from __future__ import annotations

import errno
import json
import shlex
import sqlite3

import pytest
from helpers import make_imagefolder

from labeldesk.cli import main
from labeldesk.core.project import Project


@pytest.fixture
def proj(tmp_path) -> str:
    root = tmp_path / "images"
    make_imagefolder(root)
    assert main(["new", str(tmp_path / "p"), "--images", str(root), "--workers", "1"]) == 0
    return str(tmp_path / "p")


def error_of(capsys, *args: str) -> dict:
    code = main([*args, "--json"])
    out = capsys.readouterr()
    assert code != 0
    assert "Traceback" not in out.err
    document = json.loads(out.out)
    assert set(document) == {"error", "kind"}
    return document


def test_a_labeldesk_error_is_a_json_document(proj, capsys):
    doc = error_of(capsys, "label", proj, "no/such.jpg", "cat")
    assert doc["kind"] == "UnknownPathError" and "no/such.jpg" in doc["error"]


def test_a_full_disk_while_labeling_keeps_every_saved_label(proj, capsys, monkeypatch):
    assert main(["label", proj, "_unlabeled/u0.png", "cat"]) == 0
    capsys.readouterr()

    def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(Project, "set_labels", full)
    doc = error_of(capsys, "label", proj, "_unlabeled/u1.png", "dog")
    assert doc["kind"] == "DiskFull" and "no space left" in doc["error"]
    monkeypatch.undo()
    with Project(proj) as project:
        assert project.history(limit=1)[0].path == "_unlabeled/u0.png"


def test_a_full_disk_while_exporting_leaves_nothing_half_written(
    proj, capsys, monkeypatch, tmp_path
):
    from labeldesk.interop import writing

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "out" / "x"))

    monkeypatch.setattr(writing, "place", full)
    doc = error_of(capsys, "export", proj, str(tmp_path / "out"))
    assert doc["kind"] == "DiskFull" and "free some space" in doc["error"]
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_a_full_disk_while_scanning(proj, capsys, monkeypatch):
    from labeldesk.core import scanner

    def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(scanner, "_log_scan", full)
    doc = error_of(capsys, "scan", proj)
    assert doc["kind"] == "DiskFull"


def test_a_damaged_database_is_named_with_what_to_do(proj, capsys):
    from pathlib import Path

    db = Path(proj) / "labeldesk.db"
    data = bytearray(db.read_bytes())
    for offset in range(4096, len(data), 4096):  # every page after the first
        data[offset : offset + 64] = b"\xde\xad" * 32
    db.write_bytes(bytes(data))
    for wal in ("labeldesk.db-wal", "labeldesk.db-shm"):
        (Path(proj) / wal).unlink(missing_ok=True)
    doc = error_of(capsys, "stats", proj)
    assert "damaged" in doc["error"] or "cannot be" in doc["error"]


def test_a_bug_is_reported_as_an_internal_error(proj, capsys, monkeypatch):
    monkeypatch.setattr(Project, "stats", lambda self: 1 / 0)
    code = main(["stats", proj, "--json"])
    out = capsys.readouterr()
    assert code == 1
    assert json.loads(out.out)["kind"] == "InternalError"
    assert "ZeroDivisionError" in out.err  # the details a bug report needs


def test_undo_says_what_it_undid(proj, capsys):
    assert main(["label", proj, "_unlabeled/u0.png", "cat"]) == 0
    capsys.readouterr()
    assert main(["undo", proj]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Undid ") and "“label _unlabeled/u0.png as 'cat'”" in text
    doc = error_of(capsys, "undo", proj)
    assert doc["kind"] == "NothingToUndoError"


def test_review_accept_marks_the_image_verified(tmp_path, capsys):
    from ml.fake_embeddings import make_clustered_project

    project, flipped = make_clustered_project(tmp_path)
    project.close()
    assert main(["review", str(project.path), "accept", flipped[0], "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "verified"


def test_counts_are_pluralised(tmp_path, capsys):
    from helpers import write_image

    root = tmp_path / "one"
    write_image(root / "cat" / "a.jpg", seed=1)
    assert main(["new", str(tmp_path / "p"), "--images", str(root)]) == 0
    text = capsys.readouterr().out
    assert "1 image, 1 labeled, 1 class " in text


def test_a_labels_file_with_splits_is_one_batch_one_undo_takes_back(proj, tmp_path, capsys):
    labels = tmp_path / "fix.csv"
    labels.write_text("path,label,split\n_unlabeled/u0.png,cat,val\ntrain/cat/cat0.jpg,dog,test\n")
    assert main(["label", proj, "--csv", str(labels)]) == 0
    with Project(proj) as project:
        state = {
            s.image_id: s
            for s in project.image_states(
                project.ids_for(["_unlabeled/u0.png", "train/cat/cat0.jpg"]).values()
            )
        }
        assert {(s.label, s.split) for s in state.values()} == {("cat", "val"), ("dog", "test")}
    assert main(["undo", proj]) == 0
    with Project(proj) as project:
        rows = dict(
            project.db.query(
                "SELECT path, split FROM images WHERE path IN ('_unlabeled/u0.png', "
                "'train/cat/cat0.jpg')"
            )
        )
        assert rows == {"_unlabeled/u0.png": None, "train/cat/cat0.jpg": "train"}
        assert project.history(limit=1)[0].source == "undo"
    capsys.readouterr()
    error = error_of(capsys, "undo", proj)  # the folder labels stay: nothing else to undo
    assert error["kind"] == "NothingToUndoError"


def test_new_with_a_labels_file_is_an_import_a_plain_undo_leaves(tmp_path, capsys):
    root = tmp_path / "images"
    make_imagefolder(root)
    labels = tmp_path / "l.csv"
    labels.write_text("path,label,split\n_unlabeled/u0.png,cat,val\n")
    proj = str(tmp_path / "p")
    assert main(["new", proj, "--images", str(root), "--labels", str(labels)]) == 0
    capsys.readouterr()
    assert error_of(capsys, "undo", proj)["kind"] == "NothingToUndoError"
    with Project(proj) as project:
        row = project.db.query("SELECT label, split FROM images WHERE path = '_unlabeled/u0.png'")
        assert tuple(row[0]) == ("cat", "val")


def test_a_command_line_argparse_cannot_read_is_json_too(proj, capsys, tmp_path):
    code = main(["export", proj, str(tmp_path / "out"), "--format", "nope", "--json"])
    out = capsys.readouterr()
    assert code == 2
    doc = json.loads(out.out)
    assert doc["kind"] == "UsageError" and "nope" in doc["error"]
    assert main(["export", proj, str(tmp_path / "out"), "--format", "nope"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_history_shows_split_changes(proj, capsys):
    with Project(proj) as project:
        project.set_splits({"train/cat/cat0.jpg": "val"})
    assert main(["history", proj, "train/cat/cat0.jpg"]) == 0
    assert "split train → val" in capsys.readouterr().out
    assert main(["history", proj, "train/cat/cat0.jpg", "--json"]) == 0
    newest = json.loads(capsys.readouterr().out)[0]
    assert (newest["old_split"], newest["new_split"]) == ("train", "val")


def test_undo_with_only_others_changes_left_says_how_to_take_one(proj, capsys, monkeypatch):
    monkeypatch.setenv("LABELDESK_USER", "bob")
    assert main(["label", proj, "_unlabeled/u0.png", "cat"]) == 0
    monkeypatch.setenv("LABELDESK_USER", "alice")
    capsys.readouterr()
    doc = error_of(capsys, "undo", proj)
    assert "for alice" in doc["error"] and "--batch ID" in doc["error"]
    assert f"(see `labeldesk history {shlex.quote(proj)}`)" in doc["error"]  # to copy
    history = json.loads((main(["history", proj, "-n", "1", "--json"]), capsys.readouterr().out)[1])
    assert main(["undo", proj, "--batch", str(history[0]["batch"])]) == 0
    assert capsys.readouterr().out.startswith("Undid bob's “label ")  # bob's change


def test_review_accept_refuses_a_label_changed_while_the_suggestion_was_computed(
    tmp_path, capsys, monkeypatch
):
    """Computing the issues takes seconds on a big project; a person who relabels the image
    meanwhile keeps their label: the suggestion was made for the old one."""
    from ml.fake_embeddings import make_clustered_project

    import labeldesk.ml.issues as issues_module

    project, flipped = make_clustered_project(tmp_path)
    project.close()
    computed = issues_module.label_issues

    def issues_then_a_person_relabels(project, **kwargs):
        result = computed(project, **kwargs)
        with Project(project.path) as other:
            other.set_labels({flipped[0]: "a-person-s-choice"}, create_classes=True)
        return result

    monkeypatch.setattr(issues_module, "label_issues", issues_then_a_person_relabels)
    doc = error_of(capsys, "review", str(project.path), "accept", flipped[0])
    assert doc["kind"] == "LabelChangedError"
    with Project(project.path) as again:
        state = again.image_states(again.ids_for([flipped[0]]).values())[0]
        assert state.label == "a-person-s-choice" and state.status != "verified"
