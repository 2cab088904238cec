"""A project whose damage a check confirmed is not read whole again at every open while
the file stays as it was (at a million images the check takes seconds, for every
command and every open of the app): the note remembers the check's findings and the
file's stamp. Nothing is written to the damaged file either way, and any change to the
file (a backup put back, even with its times kept) has the next open check it again."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from damaged_pages import digest, first_image, keep_copy, sample_project, zero_last_images_page
from helpers import calls_of

import labeldesk.core.damage_note as damage_note
from labeldesk.cli import main
from labeldesk.core.damage_note import CHECKED_PREFIX, NOTE_NAME, record_damage
from labeldesk.core.project import open_project
from labeldesk.core.read_only_db import DamagedReason

pytestmark = pytest.mark.skipif(os.name == "nt", reason="no change time to stamp on Windows")


@pytest.fixture
def damaged(tmp_path):
    """(project folder, a good copy of its database) with a page of the images table
    zeroed and the note LabelDesk leaves when it meets the damage."""
    folder = sample_project(tmp_path)
    good = keep_copy(folder, tmp_path / "backup.db")
    zero_last_images_page(folder)
    record_damage(folder / "labeldesk.db", "database disk image is malformed")
    return folder, good


@pytest.fixture
def checks(monkeypatch):
    """The whole-file checks run (their files), counted."""
    return calls_of(monkeypatch, damage_note, "check_database", str)


def _label(folder, image: str, label: str, capsys) -> dict:
    code = main(["label", str(folder), image, label, "--json"])
    doc = json.loads(capsys.readouterr().out)
    return {"code": code, **doc}


def test_an_unchanged_damaged_file_is_checked_once_and_stays_read_only(damaged, checks, capsys):
    folder, _ = damaged
    db = folder / "labeldesk.db"
    with open_project(folder) as project:
        first = project.read_only
    assert isinstance(first, DamagedReason) and len(checks) == 1
    assert CHECKED_PREFIX in (folder / NOTE_NAME).read_text(encoding="utf-8")
    before = digest(db)
    for _ in range(2):
        with open_project(folder) as project:
            assert isinstance(project.read_only, DamagedReason)
            assert project.read_only == first  # the same findings, named the same way
        result = _label(folder, first_image(folder), "shirt", capsys)
        assert result["code"] == 1 and result["kind"] == "DatabaseDamaged"
        assert "nothing was saved" in result["error"]
    assert len(checks) == 1  # not read whole again
    assert digest(db) == before
    # the note still says what to do, above the line LabelDesk keeps for itself
    text = (folder / NOTE_NAME).read_text(encoding="utf-8")
    assert "backup" in text and text.count(CHECKED_PREFIX) == 1


def test_a_backup_put_back_with_its_times_kept_is_checked_and_the_note_goes(
    damaged, checks, capsys
):
    folder, good = damaged
    db = folder / "labeldesk.db"
    with open_project(folder) as project:
        assert isinstance(project.read_only, DamagedReason)
    was = db.stat()
    # same size, written in place (same inode), its times set back as `cp -p` would:
    # only the change time tells the file changed
    shutil.copyfile(good, db)
    os.utime(db, ns=(was.st_atime_ns, was.st_mtime_ns))
    assert db.stat().st_size == was.st_size and db.stat().st_ino == was.st_ino
    result = _label(folder, first_image(folder), "shirt", capsys)
    assert result["code"] == 0, result
    assert len(checks) == 2
    assert not (folder / NOTE_NAME).exists()


def test_changes_waiting_in_the_wal_have_the_file_checked_again(damaged, checks):
    folder, _ = damaged
    with open_project(folder):
        pass
    wal = folder / "labeldesk.db-wal"
    wal.write_bytes(b"")  # an empty -wal holds no changes: no new check
    with open_project(folder):
        pass
    assert len(checks) == 1
    wal.unlink()
    stamp = damage_note.file_stamp(folder / "labeldesk.db")
    assert stamp is not None
    # a -wal with frames in it (here not a valid one: SQLite ignores it) is a change
    wal.write_bytes(b"\0" * 100)
    assert damage_note.file_stamp(folder / "labeldesk.db") != stamp


@pytest.mark.parametrize(
    "last_line",
    [
        "",  # the note as record_damage left it: never checked
        CHECKED_PREFIX + "{not json",
        CHECKED_PREFIX + json.dumps({"stamp": [1, 2, 3, 4, 5], "problem": "old"}),
        CHECKED_PREFIX + json.dumps({"stamp": None, "problem": ""}),
    ],
)
def test_a_note_without_this_files_stamp_has_the_file_checked(damaged, checks, last_line):
    folder, _ = damaged
    note = folder / NOTE_NAME
    note.write_text(note.read_text(encoding="utf-8") + last_line + "\n", encoding="utf-8")
    with open_project(folder) as project:
        assert isinstance(project.read_only, DamagedReason)
        assert "old" not in project.read_only.split("(")[1].split(";")[0]
    assert len(checks) == 1


def test_a_sound_file_with_a_stale_stamp_is_checked_and_the_note_goes(tmp_path, checks):
    """A note whose stamp is another file's (a sound database copied in its place):
    checked, found sound, the note removed, writes work."""
    folder = sample_project(tmp_path)
    db = folder / "labeldesk.db"
    record_damage(db, "database disk image is malformed")
    stamp = damage_note.file_stamp(db)
    assert stamp is not None
    stale = [stamp[0], stamp[1] + 1, *stamp[2:]]
    damage_note.remember_check(folder / NOTE_NAME, stale, "old findings")
    with open_project(folder) as project:
        assert project.read_only is None
        project.set_label(first_image(folder), "shirt")
    assert len(checks) == 1 and not (folder / NOTE_NAME).exists()
