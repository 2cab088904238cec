"""A project that cannot be opened says why in words a person can act on: a full disk or
a read-only disk is named as such, not as SQLite's "disk I/O error" or "unable to open
database file". (The disk is simulated: a real one needs a mount.)"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections import namedtuple

import pytest

from labeldesk.core import project as project_module
from labeldesk.core.errors import ProjectError
from labeldesk.core.failures import describe, full_disk_of
from labeldesk.core.project import open_project

Usage = namedtuple("Usage", "total used free")


@pytest.fixture
def closed_project(project):
    project.close()
    return project.path


def _sqlite_fails(monkeypatch, message: str) -> None:
    def fail(path, **options):
        raise sqlite3.OperationalError(message)

    monkeypatch.setattr(project_module, "Database", fail)


def test_a_full_disk_is_named(closed_project, monkeypatch):
    _sqlite_fails(monkeypatch, "disk I/O error")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: Usage(4 << 20, 4 << 20, 0))
    with pytest.raises(ProjectError, match="no space left on the disk holding the project") as e:
        open_project(closed_project)
    # the kind every other full-disk failure has (`--json`: "kind": "DiskFull"), not
    # ProjectError: seen on a real full tmpfs, where opening is the first write that fails
    assert describe(e.value)[1] == "DiskFull"
    assert full_disk_of(e.value) == closed_project  # carried, for the app's notice


def test_a_read_only_disk_is_named(closed_project, monkeypatch):
    _sqlite_fails(monkeypatch, "unable to open database file")
    real = os.statvfs
    fields = [f for f in dir(real(closed_project)) if f.startswith("f_")]

    class ReadOnly:
        def __init__(self, path):
            stat = real(path)
            for name in fields:
                setattr(self, name, getattr(stat, name))
            self.f_flag = stat.f_flag | os.ST_RDONLY

    monkeypatch.setattr(os, "statvfs", ReadOnly)
    with pytest.raises(ProjectError, match=r"is read-only.*copy the project folder somewhere"):
        open_project(closed_project)


def test_other_failures_keep_sqlites_words(closed_project, monkeypatch):
    _sqlite_fails(monkeypatch, "database is locked")
    with pytest.raises(ProjectError, match="cannot be opened: database is locked"):
        open_project(closed_project)
