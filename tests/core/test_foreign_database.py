"""A labeldesk.db that another program made (its own tables, no LabelDesk schema) is
refused as not a LabelDesk project database before anything is written to it: LabelDesk
changes only what it created. Its own databases, of any schema version, still open."""

from __future__ import annotations

import sqlite3

import pytest

from labeldesk.core import db, db_schema
from labeldesk.core.errors import ProjectError
from labeldesk.core.project import open_project


def _foreign(folder, user_version: int = 0):
    folder.mkdir()
    conn = sqlite3.connect(folder / db.DB_FILENAME)
    conn.executescript(
        "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);"
        "INSERT INTO customers(name) VALUES ('Ada');"
        f"PRAGMA user_version = {user_version};"
    )
    conn.close()
    return folder


@pytest.mark.parametrize("user_version", [0, 3, 99])
def test_another_programs_database_is_refused_untouched(tmp_path, user_version):
    folder = _foreign(tmp_path / "other", user_version)
    before = (folder / db.DB_FILENAME).read_bytes()
    with pytest.raises(ProjectError, match="not a LabelDesk project database") as caught:
        open_project(folder)
    assert "customers" in str(caught.value)
    assert (folder / db.DB_FILENAME).read_bytes() == before  # not even made WAL
    assert sorted(p.name for p in folder.iterdir()) == [db.DB_FILENAME]


def test_an_empty_database_still_opens_as_before(tmp_path):
    """No tables at all (user_version 0): what LabelDesk itself starts from; migrated,
    then refused only for the missing image root, as before."""
    folder = tmp_path / "empty"
    folder.mkdir()
    conn = sqlite3.connect(folder / db.DB_FILENAME)
    conn.execute("CREATE TABLE t(x)")
    conn.execute("DROP TABLE t")  # a real (non-empty) SQLite file with no tables
    conn.close()
    with pytest.raises(ProjectError, match="no image root recorded"):
        open_project(folder)
    conn = sqlite3.connect(folder / db.DB_FILENAME)
    assert db_schema.schema_version(conn) == db_schema.SCHEMA_VERSION
    conn.close()


def test_another_programs_database_with_tables_named_as_ours_is_refused_untouched(tmp_path):
    """Tables called meta, images and classes (common names: another image tool's) at a
    user_version above 0 were taken for LabelDesk's: the database was migrated (given a
    model_versions table, its user_version raised) before the open failed."""
    folder = tmp_path / "other"
    folder.mkdir()
    conn = sqlite3.connect(folder / db.DB_FILENAME)
    conn.executescript(
        "CREATE TABLE meta (k TEXT, v TEXT);"
        "CREATE TABLE images (id INTEGER PRIMARY KEY, file TEXT);"
        "CREATE TABLE classes (id INTEGER PRIMARY KEY, title TEXT);"
        "INSERT INTO images(file) VALUES ('x.jpg');"
        "PRAGMA user_version = 2;"
    )
    conn.close()
    before = (folder / db.DB_FILENAME).read_bytes()
    with pytest.raises(ProjectError, match="not a LabelDesk project database") as caught:
        open_project(folder)
    assert "images" in str(caught.value)
    assert (folder / db.DB_FILENAME).read_bytes() == before


@pytest.mark.parametrize("version", [1, 6, db_schema.SCHEMA_VERSION])
def test_our_own_database_of_every_schema_is_not_foreign(tmp_path, version):
    conn = db.connect(tmp_path / db.DB_FILENAME)
    db_schema.migrate(conn, target=version)
    conn.close()
    assert db_schema.foreign_tables(tmp_path / db.DB_FILENAME) is None
