"""A project database on a FAT32 disk that reaches 4 GiB most likely fails with SQLite's
"disk I/O error" (SQLITE_IOERR_WRITE, the write past the file system's limit refused),
not "database or disk is full": LabelDesk said only "the project database failed: disk
I/O error". With labeldesk.db within a few MB of 4 GiB, the message names the likely
file-size limit and what to do (a disk formatted as exFAT, NTFS, …)."""

from __future__ import annotations

import os
import sqlite3

import pytest

from labeldesk.core.failures import describe

IOERR_WRITE = 778  # SQLITE_IOERR_WRITE


def _io_error_in_write(project) -> sqlite3.OperationalError:
    with pytest.raises(sqlite3.OperationalError) as err, project.db.write():
        exc = sqlite3.OperationalError("disk I/O error")  # as SQLite says it
        exc.sqlite_errorcode = IOERR_WRITE
        raise exc
    return err.value


def _described_at_size(project, exc, size: int) -> tuple[str, str]:
    """describe(exc) with labeldesk.db made ``size`` bytes long (sparse: no disk used)."""
    db = project.path / "labeldesk.db"
    before = db.stat().st_size
    os.truncate(db, size)
    try:
        found = describe(exc)
    finally:
        os.truncate(db, before)
    assert found is not None
    return found


def test_an_io_error_on_a_database_of_almost_4_gib_names_the_file_size_limit(project):
    exc = _io_error_in_write(project)
    message, kind = _described_at_size(project, exc, 4 * 1024**3 - 4096)
    db = project.path / "labeldesk.db"
    assert message.startswith(
        f"the project database {db} cannot grow (SQLite says disk I/O error), and it is "
        "just under 4 GiB: the disk's file system probably limits the size of one file "
        "(FAT32, a USB stick's usual format, holds at most 4 GiB in one file; labeldesk.db "
        "is 4.0 GiB); move the project folder to a disk formatted as exFAT, NTFS, APFS or "
        "ext4 and open it there (every change saved before this one is safe)"
    )
    assert kind == "DiskFull"  # as the same limit met as "database or disk is full"


def test_an_io_error_on_a_smaller_database_is_not_called_the_limit(project):
    exc = _io_error_in_write(project)
    message, kind = _described_at_size(project, exc, 3 * 1024**3)
    assert message.startswith("the project database failed: disk I/O error")
    assert "FAT32" not in message and kind == "DatabaseError"


def test_an_io_error_without_the_file_is_worded_as_before():
    exc = sqlite3.OperationalError("disk I/O error")
    assert describe(exc) == ("the project database failed: disk I/O error", "DatabaseError")
