"""The project database's schema: the migrations that build it step by step, upgrading a
project to the newest (:func:`migrate`), and telling LabelDesk's database from another
program's SQLite file (:func:`foreign_tables`). The connection and the single writer that
use it live in :mod:`.db`.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from .db import rollback
from .errors import ProjectError

# Each entry upgrades the schema from version i to i + 1. Never edit a released entry:
# append a new one. Version 1 is the first schema a project was ever created with.
MIGRATIONS: Sequence[str] = (
    # 1: images, classes, label history, scan log
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE classes (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        position INTEGER NOT NULL,
        created_at REAL NOT NULL
    );
    CREATE TABLE images (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        hash TEXT,
        width INTEGER,
        height INTEGER,
        format TEXT,
        mode TEXT,
        frames INTEGER,
        split TEXT CHECK (split IN ('train', 'val', 'test')),
        folder_label TEXT,
        label TEXT,
        skip_reason TEXT,
        removed_at REAL,
        indexed_at REAL NOT NULL
    );
    CREATE INDEX images_hash ON images(hash);
    CREATE INDEX images_label ON images(label);
    CREATE TABLE label_batches (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL CHECK (source IN ('import', 'human', 'suggestion', 'undo')),
        description TEXT NOT NULL DEFAULT '',
        undoes INTEGER REFERENCES label_batches(id),
        created_at REAL NOT NULL
    );
    CREATE TABLE label_events (
        id INTEGER PRIMARY KEY,
        batch_id INTEGER NOT NULL REFERENCES label_batches(id),
        image_id INTEGER NOT NULL REFERENCES images(id),
        old_label TEXT,
        new_label TEXT,
        created_at REAL NOT NULL
    );
    CREATE INDEX label_events_image ON label_events(image_id);
    CREATE INDEX label_events_batch ON label_events(batch_id);
    CREATE TABLE scans (
        id INTEGER PRIMARY KEY,
        started_at REAL NOT NULL,
        finished_at REAL NOT NULL,
        added INTEGER NOT NULL,
        removed INTEGER NOT NULL,
        changed INTEGER NOT NULL,
        moved INTEGER NOT NULL,
        skipped INTEGER NOT NULL
    );
    """,
    # 2: review status (verified / excluded), recorded in the label history like labels
    """
    ALTER TABLE images ADD COLUMN status TEXT CHECK (status IN ('verified', 'excluded'));
    ALTER TABLE label_events ADD COLUMN old_status TEXT;
    ALTER TABLE label_events ADD COLUMN new_status TEXT;
    CREATE INDEX images_status ON images(status);
    """,
    # 3: perceptual hash (64-bit DCT) for near-duplicate checks
    """
    ALTER TABLE images ADD COLUMN phash INTEGER;
    """,
    # 4: trained model versions (classifier heads and fine-tuned backbones)
    """
    CREATE TABLE model_versions (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('head', 'finetune')),
        status TEXT NOT NULL CHECK (status IN ('complete', 'cancelled')),
        created_at REAL NOT NULL,
        label_event_id INTEGER NOT NULL,
        embedding_key TEXT,
        params TEXT NOT NULL,
        metrics TEXT NOT NULL,
        checkpoint TEXT
    );
    """,
    # 5: who made each labeling change (the account name; LABELDESK_USER overrides it)
    """
    ALTER TABLE label_batches ADD COLUMN author TEXT;
    """,
    # 6: split changes are label events too; where a class came from, for its key order
    # (origin 0: found in folders or a labels file, 1: named by a person before any was
    # found, 2: named later) and class operations (rename, merge, remove) as undoable
    # parts of a batch, with aliases so a re-scan maps an old folder name to the class
    # that replaced it (class_events.aliases: the old names that led to a removed class,
    # for its undo). Classes that exist already keep their order (and keys): origin 1.
    """
    ALTER TABLE label_events ADD COLUMN old_split TEXT;
    ALTER TABLE label_events ADD COLUMN new_split TEXT;
    ALTER TABLE classes ADD COLUMN origin INTEGER NOT NULL DEFAULT 1;
    CREATE TABLE class_aliases (alias TEXT PRIMARY KEY, target TEXT);
    CREATE TABLE class_events (
        id INTEGER PRIMARY KEY,
        batch_id INTEGER NOT NULL REFERENCES label_batches(id),
        op TEXT NOT NULL CHECK (op IN ('rename', 'remove')),
        name TEXT NOT NULL,
        target TEXT,
        position INTEGER NOT NULL,
        origin INTEGER NOT NULL,
        aliases TEXT NOT NULL DEFAULT '[]'
    );
    CREATE INDEX label_batches_author ON label_batches(author);
    CREATE INDEX label_batches_undoes ON label_batches(undoes);
    """,
    # 7: named dataset versions (issue 12). A version is a label state (the newest label
    # event then: labels, statuses and splits are rebuilt from the events) plus its
    # membership: which images, with which content, were in the folder. Versions with the
    # same membership share its rows (a training run records one each time, and the
    # folder seldom changes between runs). Each model version names the dataset version
    # it trained on.
    """
    CREATE TABLE dataset_memberships (
        id INTEGER PRIMARY KEY,
        digest TEXT NOT NULL UNIQUE,
        images INTEGER NOT NULL,
        created_at REAL NOT NULL
    );
    CREATE TABLE dataset_membership_images (
        membership_id INTEGER NOT NULL REFERENCES dataset_memberships(id),
        image_id INTEGER NOT NULL REFERENCES images(id),
        path TEXT NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (membership_id, image_id)
    ) WITHOUT ROWID;
    CREATE TABLE dataset_versions (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        note TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL,
        author TEXT,
        label_event_id INTEGER NOT NULL,
        membership_id INTEGER NOT NULL REFERENCES dataset_memberships(id),
        automatic INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX dataset_versions_state ON dataset_versions(label_event_id, membership_id);
    ALTER TABLE model_versions ADD COLUMN dataset_version_id INTEGER
        REFERENCES dataset_versions(id);
    """,
    # 8: covering indexes for `labeldesk stats` (core/stats.py), replaced by 9.
    """
    CREATE INDEX images_live_state
        ON images(removed_at, skip_reason, label, split, status, format);
    CREATE INDEX images_live_width ON images(removed_at, skip_reason, width);
    CREATE INDEX images_live_height ON images(removed_at, skip_reason, height);
    CREATE INDEX images_live_size ON images(removed_at, skip_reason, size);
    """,
    # 9: the same as partial indexes over the usable images only. Led by removed_at, the
    # indexes of 8 drew lookups by path (``removed_at IS NULL AND path IN ...``) away from
    # the path index into a scan of every row (1.3 s per label key at 100k).
    """
    DROP INDEX IF EXISTS images_live_state;
    DROP INDEX IF EXISTS images_live_width;
    DROP INDEX IF EXISTS images_live_height;
    DROP INDEX IF EXISTS images_live_size;
    CREATE INDEX images_live_state ON images(label, split, status, format)
        WHERE removed_at IS NULL AND skip_reason IS NULL;
    CREATE INDEX images_live_width ON images(width)
        WHERE removed_at IS NULL AND skip_reason IS NULL;
    CREATE INDEX images_live_height ON images(height)
        WHERE removed_at IS NULL AND skip_reason IS NULL;
    CREATE INDEX images_live_size ON images(size)
        WHERE removed_at IS NULL AND skip_reason IS NULL;
    """,
    # 10: each dataset version's ordered class list (a JSON array), so exporting it again
    # gives its classes and their indices after classes are renamed, added or removed.
    # Versions recorded before this hold NULL: they export with the classes of the day.
    """
    ALTER TABLE dataset_versions ADD COLUMN classes TEXT;
    """,
    # 11: a batch that adds classes (labels with --new-class, an import) records each one
    # as an 'add' class event, so undoing the batch removes the classes it added (those
    # still unused). SQLite cannot alter a CHECK constraint: the table is rebuilt.
    """
    CREATE TABLE class_events_v11 (
        id INTEGER PRIMARY KEY,
        batch_id INTEGER NOT NULL REFERENCES label_batches(id),
        op TEXT NOT NULL CHECK (op IN ('rename', 'remove', 'add')),
        name TEXT NOT NULL,
        target TEXT,
        position INTEGER NOT NULL,
        origin INTEGER NOT NULL,
        aliases TEXT NOT NULL DEFAULT '[]'
    );
    INSERT INTO class_events_v11 SELECT id, batch_id, op, name, target, position, origin,
        aliases FROM class_events;
    DROP TABLE class_events;
    ALTER TABLE class_events_v11 RENAME TO class_events;
    """,
    # 12: redo. A redo is a batch of its own (a person's edit that undo takes back like
    # any other) that makes again what an undo took back; ``redos`` pairs it with that
    # undo, so the undo is not offered for redo twice. Class events are read per batch
    # by undo and redo: indexed. (IF NOT EXISTS: nothing here changes a table it finds.)
    """
    CREATE TABLE IF NOT EXISTS redos (
        batch_id INTEGER PRIMARY KEY REFERENCES label_batches(id),
        undo_id INTEGER NOT NULL UNIQUE REFERENCES label_batches(id)
    );
    CREATE INDEX IF NOT EXISTS class_events_batch ON class_events(batch_id);
    """,
    # 13: each file's status-change time (st_ctime_ns) when it was indexed. Size and mtime
    # alone miss two files of one size and time swapped by renaming (an archive's fixed-size
    # BMPs renumbered) or bytes rewritten with the time put back; a rename or a write moves
    # the change time, which no tool can set back. NULL: indexed before this version (a
    # scan fills it in for files whose size and time still match).
    """
    ALTER TABLE images ADD COLUMN ctime_ns INTEGER;
    """,
    # 14: the files a scan could not use, indexed on their own (a few rows, or none):
    # `labeldesk stats` counts them by reason, a scan lists them, and at 1M images each
    # read every row of the table to find them (core/stats.py). Only an index: a
    # database at 13 reads the same without it (READABLE_FROM).
    """
    CREATE INDEX IF NOT EXISTS images_skipped ON images(skip_reason)
        WHERE removed_at IS NULL AND skip_reason IS NOT NULL;
    """,
    # 15: the label file a batch of source 'import' was read from when a person imported
    # it (`labeldesk import`, the app's Import dialog): "NAME (FORMAT)". Such a batch is
    # the person's own change, which a plain undo takes back; NULL: folder labels from a
    # scan, `new --labels`, and every other batch (an import before this version was
    # recorded with the source 'human').
    """
    ALTER TABLE label_batches ADD COLUMN file TEXT;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
# The oldest schema this version reads as it is where it cannot upgrade it (a read-only
# folder, a damaged database): the migrations after it only add indexes, which make
# reads quicker and change no answer, so no query may name them (INDEXED BY).
READABLE_FROM = 13  # (15's column is read only where it is: labels.undo_source)


@functools.cache
def _first_schema() -> dict[str, frozenset[str]]:
    """Table -> columns of the first schema: every LabelDesk database (version 1 on) has
    them all (later versions add, never drop or rename one). Another program that uses
    user_version may well name tables meta, images or classes, never with these columns."""
    conn = sqlite3.connect(":memory:")
    try:
        for statement in _split_statements(MIGRATIONS[0]):
            conn.execute(statement)
        return _tables(conn)
    finally:
        conn.close()


def _tables(conn: sqlite3.Connection) -> dict[str, frozenset[str]]:
    names = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' "
        "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
    ).fetchall()
    columns = "SELECT name FROM pragma_table_info(?)"
    return {
        str(name): frozenset(str(col[0]) for col in conn.execute(columns, (name,)))
        for (name,) in names
    }


def foreign_tables(path: Path, mode: str = "mode=ro") -> list[str] | None:
    """The tables of ``path`` when another program made it (not LabelDesk's schema), else
    None; read through a read-only connection, so that nothing is written to a database
    LabelDesk did not create (not even the switch to WAL). LabelDesk's own database at
    user_version 0 has no tables yet (the first migration makes them and sets 1). None
    also where it cannot be read this way: opening it as before then says why. ``mode``:
    the URI parameters; a project that cannot be written is read as it will be opened
    (:func:`~.read_only_db.read_only_mode`), since ``mode=ro`` makes -wal and -shm files
    where it can and cannot open a WAL database where it cannot."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?{mode}", uri=True)
    except sqlite3.Error:
        return None
    try:
        version = schema_version(conn)
        tables = _tables(conn)
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    if version == 0:
        return list(tables) or None
    ours = all(tables.get(name, frozenset()) >= cols for name, cols in _first_schema().items())
    return None if ours else list(tables)


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Upgrade the schema to ``target``, one transaction per step; return the new version."""
    current = schema_version(conn)
    if current > SCHEMA_VERSION:
        raise ProjectError(
            f"this project was written by a newer LabelDesk (schema {current}, this version "
            f"reads up to {SCHEMA_VERSION}); upgrade LabelDesk to open it"
        )
    for version in range(current, target):
        conn.execute("BEGIN IMMEDIATE")
        try:
            if schema_version(conn) == version:  # another process may have migrated already
                for statement in _split_statements(MIGRATIONS[version]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            rollback(conn)
            raise
    return schema_version(conn)


def _split_statements(script: str) -> list[str]:
    # executescript() would commit our transaction; run statement by statement instead.
    return [s.strip() for s in script.split(";") if s.strip()]
