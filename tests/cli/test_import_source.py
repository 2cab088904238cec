"""A label file a person imports (`labeldesk import`) is listed in `history` with the
source `import`, and stays their own change: a plain undo takes it back, a plain redo
makes it again (with the source `import` still), while the folder labels of `new` are
still left alone unless --include-imports."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from helpers import cli_json, imagefolder_project

from labeldesk.cli import main
from labeldesk.core.project import open_project


@pytest.fixture
def proj(tmp_path: Path, capsys) -> str:
    return imagefolder_project(tmp_path, capsys)


def label_of(proj: str, path: str) -> object:
    with open_project(proj) as project:
        label = project.images().set_index("path").label[path]
    return label if isinstance(label, str) else None


def events_of(proj: str, capsys, batch: int) -> list[dict]:
    doc = cli_json(capsys, "history", proj, "-n", "0")[1]
    return [e for e in doc if e["kind"] == "label" and e["batch"] == batch]


def test_an_imported_file_is_listed_as_an_import_and_plain_undo_redo_take_it(
    proj, tmp_path, capsys
):
    f = tmp_path / "more.csv"
    f.write_text("path,label\n_unlabeled/u0.png,dog\n_unlabeled/u1.png,cat\n")
    code, doc = cli_json(capsys, "import", proj, str(f))
    assert code == 0 and doc["applied"] == 2
    batch = doc["batch"]
    events = events_of(proj, capsys, batch)
    assert len(events) == 2 and {e["source"] for e in events} == {"import"}
    main(["history", proj, "-n", "0"])  # the text names it so too
    lines = [x for x in capsys.readouterr().out.splitlines() if f"#{batch} " in x]
    assert len(lines) == 2 and all(" import " in x for x in lines)

    # a plain undo takes it back (the import said so), and says how to make it again
    main(["undo", proj])
    text = capsys.readouterr().out
    assert "labels from more.csv (csv)" in text and "--include-imports" not in text
    assert label_of(proj, "_unlabeled/u0.png") is None
    code, redone = cli_json(capsys, "redo", proj)
    assert code == 0 and label_of(proj, "_unlabeled/u0.png") == "dog"
    again = events_of(proj, capsys, redone["redo_batch"])
    assert {e["source"] for e in again} == {"import"} and again[0]["redoes"]
    # ... and the redo's batch is the person's own as the import was
    assert cli_json(capsys, "undo", proj)[1]["undone_batch"] == redone["redo_batch"]
    assert label_of(proj, "_unlabeled/u0.png") is None

    # the folder labels `new` gave stay imports, undone only on request
    code, doc = cli_json(capsys, "undo", proj)
    assert code != 0 and "--include-imports" in doc["error"]
    assert label_of(proj, "train/cat/cat0.jpg") == "cat"


def test_label_csv_is_recorded_as_an_import_and_plain_undo_redo_take_it(proj, tmp_path, capsys):
    # `label --csv FILE` reads a file of labels the person brings, as `import` does: it
    # was recorded as 'human', as if each label had been given by hand
    f = tmp_path / "more.csv"
    f.write_text("path,label\n_unlabeled/u0.png,dog\n_unlabeled/u1.png,cat\n")
    code, doc = cli_json(capsys, "label", proj, "--csv", str(f))
    assert code == 0 and doc["applied"] == 2
    events = events_of(proj, capsys, doc["batch"])
    assert len(events) == 2 and {e["source"] for e in events} == {"import"}

    main(["undo", proj])  # a plain undo, as for the person's other changes
    text = capsys.readouterr().out
    assert "labels from more.csv (csv)" in text and "--include-imports" not in text
    assert label_of(proj, "_unlabeled/u0.png") is None
    code, redone = cli_json(capsys, "redo", proj)
    assert code == 0 and label_of(proj, "_unlabeled/u1.png") == "cat"
    again = events_of(proj, capsys, redone["redo_batch"])
    assert {e["source"] for e in again} == {"import"}
    assert cli_json(capsys, "undo", proj)[1]["undone_batch"] == redone["redo_batch"]
    assert label_of(proj, "_unlabeled/u1.png") is None


def test_a_read_only_project_of_schema_14_still_says_what_undo_would_take(
    proj, tmp_path, capsys, make_read_only
):
    from labeldesk.core.undo import pending_description

    f = tmp_path / "more.csv"
    f.write_text("path,label\n_unlabeled/u0.png,dog\n")
    assert cli_json(capsys, "label", proj, "_unlabeled/u1.png", "cat")[0] == 0
    conn = sqlite3.connect(Path(proj) / "labeldesk.db")  # as LabelDesk wrote it before 15
    conn.execute("ALTER TABLE label_batches DROP COLUMN file")
    conn.execute("PRAGMA user_version = 14")
    conn.commit()
    conn.close()
    make_read_only(Path(proj))
    with open_project(proj) as project:
        assert project.read_only is not None
        assert pending_description(project.db) == "label _unlabeled/u1.png as 'cat'"
