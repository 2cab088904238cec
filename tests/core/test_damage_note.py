"""A page zeroed in the middle of the project database is noticed only when something
reads it. Once LabelDesk has met the damage, nothing writes to the file again until it
is repaired: a note beside it (labeldesk.db-damaged.txt) makes every later open check
the file and open it read-only while the damage remains; a backup put back (or a note
left for nothing) passes the check and the note goes."""

from __future__ import annotations

import json
import sqlite3

import pytest
from damaged_pages import digest, first_image, keep_copy, sample_project, zero_last_images_page

from labeldesk.cli import main
from labeldesk.core.damage_note import NOTE_NAME
from labeldesk.core.errors import DatabaseDamaged
from labeldesk.core.project import open_project
from labeldesk.core.read_only_db import DamagedReason


def _run(capsys, *args: str) -> tuple[int, dict]:
    code = main([*args, "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else {}


@pytest.fixture
def damaged(tmp_path):
    """(project folder, a good copy of its database, an image to label) with a page of
    the images table zeroed."""
    folder = sample_project(tmp_path)
    good = keep_copy(folder, tmp_path / "backup.db")
    zero_last_images_page(folder)
    return folder, good, first_image(folder)


def test_after_stats_found_the_damage_label_and_undo_write_nothing(damaged, capsys):
    folder, _, image = damaged
    db = folder / "labeldesk.db"
    # (duplicates reads every image's row; stats, from indexes, does not meet the page)
    code, doc = _run(capsys, "duplicates", str(folder))
    assert code == 1 and doc["kind"] == "DatabaseDamaged"
    before = digest(db)
    code, doc = _run(capsys, "label", str(folder), image, "shirt")
    assert code == 1 and doc["kind"] == "DatabaseDamaged"
    assert "nothing was saved" in doc["error"] and "backup" in doc["error"]
    code, doc = _run(capsys, "undo", str(folder))
    assert code == 1 and doc["kind"] == "DatabaseDamaged"
    assert digest(db) == before  # not a byte written around the damage
    wal = folder / "labeldesk.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0
    assert (folder / NOTE_NAME).is_file()  # still damaged: the note stays


def test_a_write_after_a_read_met_the_damage_in_the_same_process_is_refused(damaged):
    folder, _, image = damaged
    db = folder / "labeldesk.db"
    with open_project(folder) as project:
        with pytest.raises(sqlite3.DatabaseError):
            project.images()
        before = digest(db)
        with pytest.raises(DatabaseDamaged, match="nothing was saved"):
            project.set_label(image, "shirt")
    assert digest(db) == before


def test_the_restored_backup_passes_the_check_and_the_note_goes(damaged, capsys):
    folder, good, image = damaged
    assert _run(capsys, "duplicates", str(folder))[0] == 1
    with open_project(folder) as project:  # opened read-only while the damage remains
        assert isinstance(project.read_only, DamagedReason)
    (folder / "labeldesk.db").write_bytes(good.read_bytes())  # the backup put back
    code, _ = _run(capsys, "label", str(folder), image, "shirt")
    assert code == 0
    assert not (folder / NOTE_NAME).exists()
    with open_project(folder) as project:
        assert project.read_only is None
        assert project.history(limit=1)[0].new_label == "shirt"


def test_a_note_on_a_healthy_project_is_cleared_by_the_check(project):
    """A note a killed process left (even cut short, empty) does not block a sound
    project: the next open checks, removes it and writes as ever."""
    path = project.path
    project.close()
    (path / NOTE_NAME).write_bytes(b"")
    with open_project(path) as reopened:
        assert reopened.read_only is None
        reopened.set_label("_unlabeled/u0.png", "dog")
    assert not (path / NOTE_NAME).exists()


def _zero_images_root(folder, name: str = "images"):
    """Zero the root page of the table or index ``name``."""
    db = folder / "labeldesk.db"
    with sqlite3.connect(db) as conn:
        size = int(conn.execute("PRAGMA page_size").fetchone()[0])
        root = int(
            conn.execute("SELECT rootpage FROM sqlite_master WHERE name=?", (name,)).fetchone()[0]
        )
    with open(db, "r+b") as f:  # (the open reads neither)
        f.seek((root - 1) * size)
        f.write(b"\0" * size)


def test_classes_add_that_meets_damage_when_listing_says_the_class_was_saved(tmp_path, capsys):
    folder = sample_project(tmp_path)
    _zero_images_root(folder, "images_live_state")  # the index the counts are read from
    code, doc = _run(capsys, "classes", str(folder), "--add", "zz")
    assert code == 1 and doc["kind"] == "DatabaseDamaged"
    assert "saved" in doc["error"] and "'zz'" in doc["error"]
    assert (folder / NOTE_NAME).is_file()


def test_a_write_that_meets_the_damage_is_undone_whole_and_says_so(tmp_path):
    folder = sample_project(tmp_path)
    _zero_images_root(folder)
    with open_project(folder) as project:
        with pytest.raises(sqlite3.DatabaseError) as caught, project.db.write() as conn:
            conn.execute("INSERT INTO meta(key, value) VALUES ('half', 'done')")
            conn.execute("SELECT sum(size) FROM images").fetchone()  # its damaged page
        assert "nothing of this change was saved" in getattr(caught.value, "__notes__", [])
    assert (folder / NOTE_NAME).is_file()
    with sqlite3.connect(folder / "labeldesk.db") as conn:
        assert conn.execute("SELECT count(*) FROM meta WHERE key = 'half'").fetchone()[0] == 0


def test_the_note_gives_the_rescue_advice_the_messages_give(tmp_path):
    """The note beside the database says what the error messages say, the warning about
    the sqlite3 without .recover included."""
    from labeldesk.core.damage_note import note_path, record_damage
    from labeldesk.core.failures import DAMAGE_ADVICE

    db = tmp_path / "labeldesk.db"
    record_damage(db, "database disk image is malformed")
    text = " ".join(note_path(db).read_text(encoding="utf-8").split())
    assert DAMAGE_ADVICE[1:] in text and "SQL logic error" in text
    assert "database disk image is malformed" in text
