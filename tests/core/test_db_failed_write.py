"""A write that SQLite refuses part-way says why, and leaves no transaction behind.

On a full disk SQLite rolls the whole transaction back itself (a big write, an import,
spills pages to the log before its COMMIT); the ROLLBACK LabelDesk issued after it then
failed with "cannot rollback - no transaction is active", and that replaced the error:
the person read "the project database failed: cannot rollback …" instead of "no space
left on the disk". A COMMIT that fails (and leaves the transaction open) held the
write lock and refused every later write of the window.
"""

from __future__ import annotations

import sqlite3

import pytest

from labeldesk.core.failures import describe

U0 = "_unlabeled/u0.png"
NO_LIMIT = 1073741823


def _disk_full(conn: sqlite3.Connection) -> None:
    """No page more for the database: SQLite answers as on a full disk (SQLITE_FULL)."""
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count={pages}")


def test_a_write_the_full_disk_refuses_says_the_disk_is_full(project):
    conn = project.db.conn
    _disk_full(conn)
    with pytest.raises(sqlite3.OperationalError, match="full") as caught:
        project.db.set_meta("note", "x" * 200_000)  # more than the page cache holds
    assert describe(caught.value)[1] == "DiskFull"
    assert not conn.in_transaction
    conn.execute(f"PRAGMA max_page_count={NO_LIMIT}")  # space freed: the next write works
    project.set_label(U0, "dog")
    assert project.db.get_meta("note") is None


def test_a_failed_commit_leaves_no_transaction_open(project):
    conn = project.db.conn
    conn.execute("CREATE TEMP TABLE parent (id INTEGER PRIMARY KEY)")
    conn.execute(
        "CREATE TEMP TABLE child (parent_id REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)"
    )
    with pytest.raises(sqlite3.IntegrityError), project.db.write() as writing:
        writing.execute("INSERT INTO meta(key, value) VALUES ('half', 'written')")
        writing.execute("INSERT INTO temp.child VALUES (5)")  # refused only at COMMIT
    assert not conn.in_transaction
    assert project.db.get_meta("half") is None
    project.set_label(U0, "dog")  # the next write begins (it said "within a transaction")
    assert project.images().set_index("path").loc[U0, "label"] == "dog"
