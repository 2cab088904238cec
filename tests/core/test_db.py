from __future__ import annotations

import sqlite3
import threading

import pytest

from labeldesk.core import db, db_schema
from labeldesk.core.errors import ProjectError
from labeldesk.core.project import open_project


def test_project_database_uses_wal_and_current_schema(project):
    conn = project.db.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db_schema.schema_version(conn) == db_schema.SCHEMA_VERSION
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_migration_from_the_first_schema_keeps_data(tmp_path, imagefolder):
    root, _ = imagefolder
    path = tmp_path / "old"
    path.mkdir()
    conn = db.connect(path / db.DB_FILENAME)
    db_schema.migrate(conn, target=1)  # a project as the first release wrote it
    conn.executescript(
        f"""
        INSERT INTO meta VALUES ('image_root', '{root}');
        INSERT INTO classes(name, position, created_at) VALUES ('cat', 0, 1), ('dog', 1, 1);
        INSERT INTO images(path, size, mtime_ns, hash, label, indexed_at)
            VALUES ('train/cat/cat0.jpg', 1, 1, 'h', 'cat', 1);
        INSERT INTO label_batches(source, description, created_at) VALUES ('import', '', 1);
        INSERT INTO label_events(batch_id, image_id, old_label, new_label, created_at)
            VALUES (1, 1, NULL, 'cat', 1);
        """
    )
    conn.close()
    with open_project(path) as project:
        assert db_schema.schema_version(project.db.conn) == db_schema.SCHEMA_VERSION
        frame = project.images()
        assert list(frame.label) == ["cat"] and frame.status.isna().all()
        event = project.history("train/cat/cat0.jpg")[0]
        assert (event.new_label, event.old_status, event.new_status) == ("cat", None, None)
        assert event.author is None  # written before authors were recorded
        project.set_status(["train/cat/cat0.jpg"], "verified")  # a v2 feature works
        project.undo()
        assert project.images().status.isna().all()


def test_newer_schema_is_refused_with_a_clear_message(project):
    project.db.conn.execute(f"PRAGMA user_version = {db_schema.SCHEMA_VERSION + 1}")
    with pytest.raises(ProjectError, match="newer LabelDesk"):
        open_project(project.path)


def test_two_processes_worth_of_connections_can_write(project):
    """GUI and CLI may have the project open at once: writes serialise, none is lost."""
    other = open_project(project.path)
    paths = list(project.images().path)
    errors = []

    def write(proj, label):
        try:
            for p in paths:
                proj.set_label(p, label)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=write, args=(project, "cat")),
        threading.Thread(target=write, args=(other, "dog")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.close()
    assert not errors
    n_events = project.db.scalar("SELECT COUNT(*) FROM label_events")
    assert n_events >= len(paths)
    # Every image's label is the last event written for it.
    rows = project.db.query(
        "SELECT i.label, e.new_label FROM images i JOIN label_events e ON e.id = "
        "(SELECT MAX(id) FROM label_events WHERE image_id = i.id)"
    )
    assert all(r[0] == r[1] for r in rows)


def test_not_a_project(tmp_path):
    with pytest.raises(ProjectError, match="not a LabelDesk project"):
        open_project(tmp_path)


def test_a_damaged_database_is_a_clear_error(tmp_path):
    (tmp_path / db.DB_FILENAME).write_bytes(b"this is not an SQLite file" * 100)
    with pytest.raises(ProjectError, match=r"is damaged .*from a backup"):
        open_project(tmp_path)


def test_creating_where_no_folder_can_be_made_is_a_clear_error(tmp_path, imagefolder):
    from labeldesk.core.create import create_and_index, create_empty

    root, _ = imagefolder
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(ProjectError, match="cannot create a project at"):
        create_empty(blocker / "proj", root)
    with pytest.raises(ProjectError, match="cannot create a project at"):
        create_and_index(blocker / "proj", root)
    assert blocker.read_text() == "not a folder"


def test_sqlite_refuses_bad_split_values(project):
    with pytest.raises(sqlite3.IntegrityError), project.db.write() as conn:
        conn.execute("UPDATE images SET split = 'holdout'")


def test_reading_classes_does_not_wait_for_another_writer(project):
    """Another process (the app's embedding child) may hold the write lock for a while;
    the GUI thread reading the classes must not queue behind it."""
    other = db.connect(project.db.path)
    other.execute("BEGIN IMMEDIATE")  # the write lock, held
    try:
        result: list[list[str]] = []
        reader = threading.Thread(target=lambda: result.append(project.classes()), daemon=True)
        reader.start()
        reader.join(10)
        assert not reader.is_alive(), "classes() waited for the other connection's write lock"
        assert result == [["cat", "dog"]]
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_reads_never_queue_behind_this_process_s_writer(project):
    """A background job inside a long write transaction holds the writer; other threads
    still read (the last committed state) at once, and the writer sees its own changes."""
    path = "train/cat/cat0.jpg"
    inside, release = threading.Event(), threading.Event()
    seen_inside: list[object] = []

    def long_write() -> None:
        with project.db.write() as conn:
            conn.execute("UPDATE images SET label = 'dog' WHERE path = ?", (path,))
            seen_inside.append(
                project.db.scalar("SELECT label FROM images WHERE path = ?", (path,))
            )
            inside.set()
            release.wait(30)

    writer = threading.Thread(target=long_write, daemon=True)
    writer.start()
    assert inside.wait(10)
    try:
        result: list[object] = []
        reader = threading.Thread(
            target=lambda: result.append(
                project.db.scalar("SELECT label FROM images WHERE path = ?", (path,))
            ),
            daemon=True,
        )
        reader.start()
        reader.join(10)
        assert not reader.is_alive(), "the read waited for the writer"
        assert result == ["cat"]  # committed state only
        assert seen_inside == ["dog"]  # the writer reads its own change
    finally:
        release.set()
        writer.join(10)
    assert project.db.scalar("SELECT label FROM images WHERE path = ?", (path,)) == "dog"


def test_closing_while_another_thread_reads_is_a_clean_error(tmp_path, imagefolder):
    """Closing a connection under a running read used to crash the whole process."""
    from labeldesk.core.create import create_and_index

    root, _ = imagefolder
    project, _ = create_and_index(tmp_path / "p", root)
    started, outcome = threading.Event(), []

    def keep_reading() -> None:
        try:
            while True:
                project.images()  # a pandas read: long enough to be caught in the middle
                started.set()
        except sqlite3.ProgrammingError as exc:
            outcome.append(str(exc))

    reader = threading.Thread(target=keep_reading, daemon=True)
    reader.start()
    assert started.wait(10)
    project.close()
    reader.join(10)
    assert not reader.is_alive()
    assert outcome and "closed" in outcome[0]
