"""Undoing a batch that added classes (labels with --new-class, an import) takes those
classes away again, unless something uses them by then; schema 11 records the additions."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from helpers import make_imagefolder

from labeldesk.cli import main
from labeldesk.core import db, db_schema
from labeldesk.core.classes import aliases, class_names
from labeldesk.core.project import open_project


def classes_of(project) -> list[str]:
    return class_names(project.db.conn)


def test_undo_removes_the_class_its_batch_added(project):
    before = classes_of(project)
    project.set_labels(
        {"_unlabeled/u0.png": "zebra", "_unlabeled/u1.png": "yak"}, create_classes=True
    )
    assert {"zebra", "yak"} <= set(classes_of(project))
    undone = project.undo()
    assert classes_of(project) == before
    assert sorted(undone.classes_removed) == ["yak", "zebra"]
    assert undone.classes_changed
    assert "zebra" in undone.summary() and "removed" in undone.summary()


def test_a_class_used_since_is_kept(project, monkeypatch):
    monkeypatch.setenv("LABELDESK_USER", "alice")
    project.set_label("_unlabeled/u0.png", "zebra", create_class=True)
    monkeypatch.setenv("LABELDESK_USER", "bob")
    project.set_label("_unlabeled/u1.png", "zebra")  # bob uses alice's new class
    monkeypatch.setenv("LABELDESK_USER", "alice")
    undone = project.undo()
    assert "zebra" in classes_of(project)
    assert undone.classes_removed == () and undone.classes_kept == ("zebra",)
    assert "still in use" in undone.summary()


def test_a_class_merged_into_since_is_kept(project):
    project.set_label("_unlabeled/u0.png", "zebra", create_class=True)
    first = project.db.scalar("SELECT MAX(id) FROM label_batches")
    project.merge_classes("dog", "zebra")
    project.set_label("_unlabeled/u0.png", None)
    project.undo(first)
    # dog's folder now leads to zebra: removing zebra would strand that alias
    assert "zebra" in classes_of(project) and aliases(project.db.conn)["dog"] == "zebra"


def test_undo_puts_back_the_alias_the_added_class_replaced(project):
    project.remove_class("dog")  # a dog folder's new files now come in unlabeled
    assert aliases(project.db.conn) == {"dog": None}
    project.set_label("_unlabeled/u0.png", "dog", create_class=True)
    assert "dog" not in aliases(project.db.conn)
    project.undo()
    assert "dog" not in classes_of(project)
    assert aliases(project.db.conn) == {"dog": None}


def test_a_batch_with_known_classes_only_records_no_addition(project):
    project.set_label("_unlabeled/u0.png", "cat")
    assert project.db.scalar("SELECT COUNT(*) FROM class_events") == 0
    project.undo()
    assert "cat" in classes_of(project)


def test_a_schema_10_history_keeps_its_class_events_and_accepts_additions(project):
    project.rename_class("cat", "kitty")
    path = project.path
    project.close()
    conn = sqlite3.connect(path / db.DB_FILENAME)
    # the table as schema 10 had it: its CHECK knew only 'rename' and 'remove'
    conn.executescript(
        """
        CREATE TABLE old_events (id INTEGER PRIMARY KEY, batch_id INTEGER NOT NULL
            REFERENCES label_batches(id), op TEXT NOT NULL CHECK (op IN ('rename',
            'remove')), name TEXT NOT NULL, target TEXT, position INTEGER NOT NULL,
            origin INTEGER NOT NULL, aliases TEXT NOT NULL DEFAULT '[]');
        INSERT INTO old_events SELECT * FROM class_events;
        DROP TABLE class_events;
        ALTER TABLE old_events RENAME TO class_events;
        ALTER TABLE images DROP COLUMN ctime_ns;
        ALTER TABLE label_batches DROP COLUMN file;
        PRAGMA user_version = 10;
        """
    )
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute(
            "INSERT INTO class_events(batch_id, op, name, position, origin) "
            "SELECT MAX(id), 'add', 'x', 0, 0 FROM label_batches"
        )
    conn.close()
    with open_project(path) as reopened:
        assert db_schema.schema_version(reopened.db.conn) == db_schema.SCHEMA_VERSION
        rows = reopened.db.query("SELECT op, name, target FROM class_events")
        assert [tuple(r) for r in rows] == [("rename", "cat", "kitty")]
        reopened.set_label("_unlabeled/u0.png", "zebra", create_class=True)
        reopened.undo()
        assert "zebra" not in classes_of(reopened)
        reopened.undo()  # the rename before the upgrade still undoes
        assert "cat" in classes_of(reopened) and "kitty" not in classes_of(reopened)


def test_cli_undo_of_a_labels_file_with_new_classes(tmp_path: Path, capsys):
    root = tmp_path / "images"
    make_imagefolder(root)
    proj = str(tmp_path / "p")
    assert main(["new", proj, "--images", str(root), "--workers", "1"]) == 0
    capsys.readouterr()
    with open_project(Path(proj)) as p:
        unlabeled = [x for x in p.images().path if x.startswith("_unlabeled/")][:2]
    fixes = tmp_path / "fixes.csv"
    fixes.write_text(f"path,label\n{unlabeled[0]},zebra\n{unlabeled[1]},yak\n")
    assert main(["label", proj, "--csv", str(fixes), "--new-class", "--json"]) == 0
    capsys.readouterr()
    assert main(["undo", proj, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert sorted(out["classes_removed"]) == ["yak", "zebra"]
    assert main(["classes", proj, "--json"]) == 0
    listed = json.dumps(json.loads(capsys.readouterr().out))
    assert "zebra" not in listed and "yak" not in listed
