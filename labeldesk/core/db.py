"""SQLite storage: connection settings, schema and migrations, the single writer.

The database lives in the project folder. WAL mode lets the GUI and a CLI command use one
project at once; ``synchronous=FULL`` makes a committed label survive a killed process
and a power cut. Every write goes through :meth:`Database.write`, which serialises writers
inside a process (a lock) and across processes (``BEGIN IMMEDIATE`` + busy timeout).
"""

from __future__ import annotations

import functools
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from .db_settings import BUSY_TIMEOUT_MS, BUSY_TIMEOUT_S
from .errors import ProjectBusyError, ProjectError, ProjectReadOnly
from .read_only_db import read_only_connection, read_only_mode, read_only_refusal

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
)
SCHEMA_VERSION = len(MIGRATIONS)
DB_FILENAME = "labeldesk.db"
QUIET_WAIT_MS = 1000  # how long it waits before Database.on_wait is told
BUSY_TEXT = "Nothing was saved: the project database is busy ({what}); try again when it is done"


def connect(path: Path, read_only: str | None = None) -> sqlite3.Connection:
    """Open a connection with the settings every LabelDesk connection uses; ``read_only``
    (the URI parameters :func:`~.read_only_db.read_only_mode` chose): one that never
    writes a byte."""
    if read_only is not None:
        conn = read_only_connection(path, read_only)
        conn.execute("PRAGMA query_only=ON")
        return conn
    conn = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
    )
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return conn


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


def rollback(conn: sqlite3.Connection) -> None:
    """End the transaction a failed write left, if SQLite has not ended it already: on a
    full disk (or an interrupt) it rolls the whole transaction back itself, and a second
    ROLLBACK then fails ("no transaction is active") in place of the error that tells
    the person what happened; a failed COMMIT may leave it open, holding the write lock
    and refusing every later BEGIN."""
    if conn.in_transaction:
        conn.execute("ROLLBACK")


def _split_statements(script: str) -> list[str]:
    # executescript() would commit our transaction; run statement by statement instead.
    return [s.strip() for s in script.split(";") if s.strip()]


class _Reader(sqlite3.Connection):
    """A thread's own read-only connection (a subclass, so that it can be weakly held).
    Its lock is only ever contended by :meth:`Database.close`: closing a connection
    while its thread reads from it would crash the process."""

    lock: threading.RLock


def _connect_reader(path: Path, read_only: str | None = None) -> _Reader:
    if read_only is not None:
        conn = read_only_connection(path, read_only, factory=_Reader)
    else:
        conn = sqlite3.connect(
            path,
            timeout=BUSY_TIMEOUT_S,
            isolation_level=None,
            check_same_thread=False,
            factory=_Reader,
        )
    assert isinstance(conn, _Reader)
    conn.lock = threading.RLock()
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA query_only=ON")
    return conn


class Database:
    """The project's single writer (one connection behind a lock) plus a read-only
    connection per thread.

    Reads never wait for the lock: in WAL mode each thread's reader sees the latest
    committed state while a write is under way elsewhere. So the GUI thread reading a
    class list is not held up by a background job's long read (100k rows into pandas)
    or its writes. A read inside a write transaction uses the writer, seeing its own
    uncommitted changes.
    """

    def __init__(self, path: Path, *, read_only: str | None = None, mode: str | None = None):
        """``read_only``: why the project cannot be written (its folder or disk is
        read-only): the database is opened without writing a byte, and every
        :meth:`write` raises :class:`ProjectReadOnly` with this reason. ``mode``: how to
        open it then, as :func:`~.read_only_db.read_only_mode` chose it for the caller
        (chosen here when not given; ignored for a writable database)."""
        self.path = path
        self.read_only = read_only
        self._mode = None
        if read_only is not None:
            self._mode = mode if mode is not None else read_only_mode(path)
        self.conn = connect(path, self._mode)
        self._lock = threading.RLock()
        self._depth = 0
        self._writer_thread: int | None = None
        self._local = threading.local()
        self._readers: weakref.WeakSet[_Reader] = weakref.WeakSet()
        self._readers_lock = threading.Lock()
        self._closed = False
        self._wait_limits: dict[int, float] = {}  # thread id -> seconds a write waits
        # Called once when a write (with the full wait) finds another process's write
        # going on for more than a second: a command says why it seems to hang.
        self.on_wait: Callable[[], None] | None = None

    def limit_waits(self, seconds: float | None, thread: int | None = None) -> None:
        """Writes made in ``thread`` (default: this one) wait at most ``seconds`` for
        another write, of this process or another, then raise :class:`ProjectBusyError`
        with nothing written (None: as long as the busy timeout, the default). For the
        GUI thread: a label key pressed while an import (here or in a terminal) held the
        project waited for it with the window frozen, up to a minute for another
        process and for as long as it took for one of this process."""
        key = thread if thread is not None else threading.get_ident()
        if seconds is None:
            self._wait_limits.pop(key, None)
        else:
            self._wait_limits[key] = seconds

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction, committed (durably) when the block exits without error."""
        if self.read_only is not None:
            raise ProjectReadOnly(read_only_refusal(self.read_only))
        limit = self._wait_limits.get(threading.get_ident())
        if limit is None:
            self._lock.acquire()
        else:
            started = time.monotonic()
            if not self._lock.acquire(timeout=limit):
                what = "an import, a scan or another job of this window is writing to it"
                raise ProjectBusyError(BUSY_TEXT.format(what=what))
            # one wait in all: what is left of it for another process's write
            limit = max(0.001, limit - (time.monotonic() - started))
        try:
            if self._depth:  # nested: join the outer transaction
                self._depth += 1
                try:
                    yield self.conn
                finally:
                    self._depth -= 1
                return
            self._begin(limit)
            if not self.path.exists():  # SQLite goes on writing into the deleted file
                self.conn.execute("ROLLBACK")
                raise ProjectError(
                    f"the project database {self.path} is gone (its folder was moved, renamed "
                    "or deleted while the project was open): nothing was saved; open the "
                    "project again where it is now"
                )
            self._depth = 1
            self._writer_thread = threading.get_ident()
            try:
                yield self.conn
                self.conn.execute("COMMIT")
            except BaseException:
                rollback(self.conn)  # (the error raised is the write's own)
                raise
            finally:
                self._depth = 0
                self._writer_thread = None
        finally:
            self._lock.release()

    def _begin(self, limit: float | None) -> None:
        """BEGIN IMMEDIATE, waiting at most ``limit`` seconds (None: the busy timeout) for
        another process's write."""
        if limit is None:
            if self.on_wait is None:
                self.conn.execute("BEGIN IMMEDIATE")
            elif not self._began_within(QUIET_WAIT_MS):
                self.on_wait()
                self.conn.execute("BEGIN IMMEDIATE")
            return
        self.conn.execute(f"PRAGMA busy_timeout={max(1, round(limit * 1000))}")
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            what = "a labeldesk command or another window is writing to it"
            raise ProjectBusyError(BUSY_TEXT.format(what=what)) from exc
        finally:
            self.conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")

    def _began_within(self, ms: int) -> bool:
        """BEGIN IMMEDIATE if another process's write lets it within ``ms``; False if not
        (nothing begun)."""
        self.conn.execute(f"PRAGMA busy_timeout={ms}")
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            return False
        finally:
            self.conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        return True

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """A connection for reads: this thread's own (no lock), or the writer when this
        thread is inside a write transaction."""
        if self._writer_thread == threading.get_ident():
            yield self.conn
            return
        reader = self._reader()
        with reader.lock:
            if self._closed:
                raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
            yield reader

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """:meth:`reading` in one read transaction: every query in it sees the same state,
        even while another connection (a second window, another process) writes."""
        with self.reading() as conn:
            outer = conn.in_transaction  # inside this thread's write: one already
            if not outer:
                conn.execute("BEGIN")
            try:
                yield conn
            finally:
                if not outer:
                    conn.execute("COMMIT")

    def _reader(self) -> _Reader:
        conn: _Reader | None = getattr(self._local, "conn", None)
        if conn is None:
            if self._closed:
                raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
            conn = _connect_reader(self.path, self._mode)
            with self._readers_lock:
                if self._closed:  # closed while this one was opening: close() missed it
                    conn.close()
                    raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
                self._readers.add(conn)
            self._local.conn = conn  # dropped (and closed) with its thread
        return conn

    def data_version(self) -> int | None:
        """The writer's ``PRAGMA data_version``: it changes when another connection (another
        process) commits, never for this one's writes; None while this process writes."""
        if not self._lock.acquire(blocking=False):
            return None
        try:
            return int(self.conn.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.ProgrammingError:  # closed
            return None
        finally:
            self._lock.release()

    def query(
        self, sql: str, params: Sequence[object] | dict[str, object] = ()
    ) -> list[sqlite3.Row]:
        with self.reading() as conn:
            return conn.execute(sql, params).fetchall()

    def scalar(self, sql: str, params: Sequence[object] = ()) -> object:
        with self.reading() as conn:
            row = conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def get_meta(self, key: str) -> str | None:
        value = self.scalar("SELECT value FROM meta WHERE key = ?", (key,))
        return None if value is None else str(value)

    def set_meta(self, key: str, value: str) -> None:
        with self.write() as conn:
            conn.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def close(self) -> None:
        with self._lock:
            self.conn.close()
        with self._readers_lock:
            self._closed = True
            readers = list(self._readers)
        for reader in readers:
            with reader.lock:  # after a read under way in its thread has finished
                reader.close()
