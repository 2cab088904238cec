"""A project database damaged so that it cannot even be opened (cut short by a full disk
or a failed copy, its header overwritten, emptied to 0 bytes, not SQLite at all) is named
as damaged with what to do, "kind" DatabaseDamaged, and the file is left as it was: the
evidence a rescue needs is never overwritten."""

from __future__ import annotations

import json
import os

import pytest

from labeldesk.cli import main
from labeldesk.core.errors import DatabaseDamaged, ProjectError
from labeldesk.core.project import open_project


def _cut_short(db):
    os.truncate(db, db.stat().st_size // 2)


def _header(db):
    with open(db, "r+b") as f:
        f.write(b"\x5a" * 100)


def _empty(db):
    os.truncate(db, 0)


def _not_sqlite(db):
    db.write_text("these are not the bytes of a database\n" * 50)


@pytest.fixture
def closed(project):
    project.set_label("_unlabeled/u0.png", "dog")
    project.close()
    for extra in ("labeldesk.db-wal", "labeldesk.db-shm"):  # everything in the main file
        (project.path / extra).unlink(missing_ok=True)
    return project.path


@pytest.mark.parametrize("damage", [_cut_short, _header, _empty, _not_sqlite])
def test_a_database_that_cannot_be_opened_is_named_damaged_with_what_to_do(closed, damage):
    db = closed / "labeldesk.db"
    damage(db)
    before = db.read_bytes()
    with pytest.raises(DatabaseDamaged) as caught:
        open_project(closed)
    message = str(caught.value)
    assert str(db) in message and "damaged" in message
    assert "backup" in message  # what to do
    assert isinstance(caught.value, ProjectError)  # the app's open catches it as before
    assert db.read_bytes() == before  # not turned into an empty project, not rewritten


def test_the_command_line_gives_kind_database_damaged_and_the_restored_copy_works(closed, capsys):
    db = closed / "labeldesk.db"
    good = db.read_bytes()
    _empty(db)
    assert main(["label", str(closed), "_unlabeled/u1.png", "cat", "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["kind"] == "DatabaseDamaged"
    assert "0 bytes" in doc["error"]
    assert db.stat().st_size == 0
    db.write_bytes(good)  # restored from the backup
    assert main(["label", str(closed), "_unlabeled/u1.png", "cat", "--json"]) == 0
    capsys.readouterr()
    with open_project(closed) as project:
        assert project.history(limit=2)[1].new_label == "dog"
