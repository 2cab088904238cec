"""SQLite storage: connection settings and the single writer (the schema and its
migrations: :mod:`.db_schema`).

The database lives in the project folder. WAL mode lets the GUI and a CLI command use one
project at once; ``synchronous=FULL`` makes a committed label survive a killed process
and a power cut. Every write goes through :meth:`Database.write`, which serialises writers
inside a process (a lock) and across processes (``BEGIN IMMEDIATE`` + busy timeout).
"""

from __future__ import annotations

import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from .damage_note import note_path, record_damage
from .db_settings import BUSY_TIMEOUT_MS, BUSY_TIMEOUT_S
from .errors import DatabaseDamaged, ProjectBusyError, ProjectClosed, ProjectError
from .failures import DATABASE_FILE, damaged_database, is_damage, is_disk_full, is_io_error
from .read_only_db import read_only_connection, read_only_mode, write_refusal

DB_FILENAME = "labeldesk.db"
QUIET_WAIT_MS = 1000  # how long it waits before Database.on_wait is told
BUSY_TEXT = "Nothing was saved: the project database is busy ({what}); try again when it is done"
WAITED_OUT = (
    "another process, the app or a labeldesk command, has been writing to it for over a minute"
)
_committed = [0]  # write transactions this process has committed, to any project


def commits_made() -> int:
    """How many write transactions this process has committed (to any project): a
    command stopped by Ctrl+C or SIGTERM compares it with the count when it began, to say
    whether what it did was already saved (an undo said "interrupted" after it was)."""
    return _committed[0]


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


def rollback(conn: sqlite3.Connection) -> None:
    """End the transaction a failed write left, if SQLite has not ended it already: on a
    full disk (or an interrupt) it rolls the whole transaction back itself, and a second
    ROLLBACK then fails ("no transaction is active") in place of the error that tells
    the person what happened; a failed COMMIT may leave it open, holding the write lock
    and refusing every later BEGIN."""
    if conn.in_transaction:
        conn.execute("ROLLBACK")


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
        # SQLite's words when this process met damage in the file: no write after it
        self.damaged: str | None = None
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
            raise write_refusal(self.read_only)
        self._check_open()
        self._refuse_if_damaged()
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
            self._check_open()  # (closed while this write waited for the lock)
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
                _committed[0] += 1
            except BaseException as exc:
                rollback(self.conn)  # (the error raised is the write's own)
                if self._check_damage(exc):
                    exc.add_note("nothing of this change was saved")
                elif isinstance(exc, sqlite3.DatabaseError) and (
                    is_disk_full(exc) or is_io_error(exc)
                ):  # (a full disk or failing one, or the file-size limit)
                    setattr(exc, DATABASE_FILE, self.path)
                raise
            finally:
                self._depth = 0
                self._writer_thread = None
        finally:
            self._lock.release()

    def _refuse_if_damaged(self) -> None:
        """DatabaseDamaged, nothing written, once damage was met in the file: by this
        process, or by another that left the note (:mod:`.damage_note`) since it opened."""
        if self._depth and self._writer_thread == threading.get_ident():
            return  # nested in a write that began
        reason = self.damaged
        if reason is None and note_path(self.path).exists():
            reason = "LabelDesk found it so and left a note beside it"
        if reason is not None:
            raise DatabaseDamaged(
                "nothing was saved: "
                + damaged_database(f"the project database {self.path}", reason)
            )

    def _check_damage(self, exc: BaseException) -> bool:
        """Remember that SQLite said the file is damaged (here and in the note beside it),
        so that no later write, of this process or the next, changes it; whether it did."""
        if not (isinstance(exc, sqlite3.DatabaseError) and is_damage(exc)):
            return False
        if self.damaged is None:
            self.damaged = str(exc)
        if self.read_only is None:
            record_damage(self.path, str(exc))
        return True

    def _begin(self, limit: float | None) -> None:
        """BEGIN IMMEDIATE, waiting at most ``limit`` seconds (None: the busy timeout) for
        another process's write; ProjectBusyError, nothing begun, when that write goes on
        longer (not SQLite's "database is locked")."""
        if limit is None:
            if self.on_wait is None:
                self._begin_or_busy(WAITED_OUT)
            elif not self._began_within(QUIET_WAIT_MS):
                self.on_wait()
                self._begin_or_busy(WAITED_OUT)
            return
        self.conn.execute(f"PRAGMA busy_timeout={max(1, round(limit * 1000))}")
        try:
            self._begin_or_busy("a labeldesk command or another window is writing to it")
        finally:
            self.conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")

    def _begin_or_busy(self, what: str) -> None:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            raise ProjectBusyError(BUSY_TEXT.format(what=what)) from exc

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
        try:
            if self._writer_thread == threading.get_ident():
                yield self.conn
                return
            reader = self._reader()
            with reader.lock:
                self._check_open()
                yield reader
        except sqlite3.DatabaseError as exc:
            self._check_damage(exc)
            raise

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
            self._check_open()
            conn = _connect_reader(self.path, self._mode)
            with self._readers_lock:
                if self._closed:  # closed while this one was opening: close() missed it
                    conn.close()
                    self._check_open()
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

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    def _check_open(self) -> None:
        """:class:`ProjectClosed` once :meth:`close` was called (SQLite's own words,
        "Cannot operate on a closed database", name neither the project nor what to do)."""
        if self._closed:
            raise ProjectClosed(
                f"the project {self.path.parent} is closed (close() was called, or its `with` "
                "block ended): open it again with labeldesk.open_project() to go on"
            )

    def close(self) -> None:
        with self._lock:
            self._closed = True  # (a write waiting for the lock finds it closed)
            self.conn.close()
        with self._readers_lock:
            self._closed = True
            readers = list(self._readers)
        for reader in readers:
            with reader.lock:  # after a read under way in its thread has finished
                reader.close()
