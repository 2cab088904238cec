"""A project database on a FAT32 disk that reaches 4 GiB cannot grow: SQLite reports
the file-size limit as "database or disk is full", and LabelDesk said "no space left on
the disk" although the disk had room. With free space on the disk when it happens, the
message names the file-size limit and what to do (a disk formatted as exFAT, NTFS, …)."""

from __future__ import annotations

import shutil
import sqlite3
from types import SimpleNamespace

import pytest

from labeldesk.core import database_failures, failures
from labeldesk.core.failures import describe


def _full_write(project) -> sqlite3.OperationalError:
    with pytest.raises(sqlite3.OperationalError) as err, project.db.write():
        raise sqlite3.OperationalError("database or disk is full")  # as SQLite says it
    return err.value


def _free(monkeypatch, free: int) -> None:
    monkeypatch.setattr(
        database_failures.shutil,
        "disk_usage",
        lambda path: SimpleNamespace(total=free, used=0, free=free),
    )


def test_a_full_database_on_a_disk_with_room_names_the_file_size_limit(project, monkeypatch):
    exc = _full_write(project)
    _free(monkeypatch, 50 << 30)
    message, kind = describe(exc)
    assert kind == "DiskFull"
    assert "no space left" not in message
    assert "yet its disk has 50.0 GiB free" in message
    assert "FAT32" in message and "4 GiB in one file" in message
    assert "exFAT, NTFS, APFS or ext4" in message
    assert str(project.path / "labeldesk.db") in message


def test_a_full_database_on_a_full_disk_says_no_space(project, monkeypatch):
    exc = _full_write(project)
    _free(monkeypatch, 4096)
    message, kind = describe(exc)
    assert kind == "DiskFull" and message.startswith("no space left on the disk")
    assert "FAT32" not in message
    # the disk is named (found by a real full disk: it said only "the disk for the
    # project database", on which of a person's disks?)
    assert f"the disk holding the project database {project.path / 'labeldesk.db'}" in message


def test_the_real_disk_usage_is_asked(project):
    exc = _full_write(project)
    message, _ = describe(exc)
    free = shutil.disk_usage(project.path).free
    assert ("FAT32" in message) == (free >= failures.LOW_SPACE)
