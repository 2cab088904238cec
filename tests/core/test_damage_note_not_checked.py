"""A project with the damage note (labeldesk.db-damaged.txt) is checked as it opens.
When the check cannot run for a reason that is not damage (another program holds the
database locked, a read error), the project still opens read-only, but the message says
it could not be checked now and that LabelDesk found it damaged earlier: it used to call
it "damaged (database is locked)"."""

from __future__ import annotations

import sqlite3

import pytest

import labeldesk.core.damage_note as damage_note
import labeldesk.core.read_only_db as read_only_db
from labeldesk.core.create import create_and_index
from labeldesk.core.damage_note import NOTE_NAME, damage_remaining, record_damage
from labeldesk.core.read_only_db import DamagedReason


@pytest.fixture
def noted(tmp_path, imagefolder):
    """A sound project's database with the damage note beside it."""
    root, _ = imagefolder
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    project.close()
    db = project.path / "labeldesk.db"
    record_damage(db, "database disk image is malformed")
    return db


def remaining_when_the_check_raises(noted, monkeypatch, error: Exception):
    """damage_remaining(noted), the check's connection failing with ``error``."""

    def failing(*args, **kwargs):
        raise error

    monkeypatch.setattr(damage_note, "read_only_connection", failing)
    return damage_remaining(noted)


def test_a_database_another_program_holds_locked_is_not_called_damaged(noted, monkeypatch):
    # (the check waits this long for the lock, not a minute)
    monkeypatch.setattr(read_only_db, "BUSY_TIMEOUT_S", 0.05)
    monkeypatch.setattr(read_only_db, "BUSY_TIMEOUT_MS", 50)
    holder = sqlite3.connect(noted, isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("CREATE TABLE held(a)")  # a write: the lock is kept
        reason = damage_remaining(noted)
    finally:
        holder.close()
    assert isinstance(reason, DamagedReason)  # read-only all the same
    assert "is damaged" not in reason
    assert "could not be checked now (database is locked)" in reason
    assert "found it damaged earlier" in reason and "until a check passes" in reason
    assert "folder that is read-only" not in reason  # the folder can be written
    assert (noted.parent / NOTE_NAME).is_file()  # the note stays
    assert damage_remaining(noted) is None  # let go: the check passes, the note goes
    assert not (noted.parent / NOTE_NAME).exists()


def test_a_read_error_during_the_check_is_not_called_damaged(noted, monkeypatch):
    reason = remaining_when_the_check_raises(
        noted, monkeypatch, sqlite3.OperationalError("disk I/O error")
    )
    assert isinstance(reason, DamagedReason)
    assert "is damaged" not in reason
    assert "could not be checked now (disk I/O error)" in reason
    assert (noted.parent / NOTE_NAME).is_file()


def test_damage_found_by_the_check_is_still_called_damaged(noted, monkeypatch):
    reason = remaining_when_the_check_raises(
        noted, monkeypatch, sqlite3.DatabaseError("database disk image is malformed")
    )
    assert isinstance(reason, DamagedReason)
    assert "is damaged (database disk image is malformed" in reason


def test_a_write_refused_after_a_check_that_could_not_run_gives_no_repair(noted, monkeypatch):
    reason = remaining_when_the_check_raises(
        noted, monkeypatch, sqlite3.OperationalError("database is locked")
    )
    assert reason is not None
    refusal = read_only_db.read_only_refusal(reason)
    assert "nothing was saved" in refusal
    assert "close the other program that has labeldesk.db open" in refusal
    assert "restore labeldesk.db" not in refusal and ".recover" not in refusal
