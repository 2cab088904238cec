"""Opening a project that cannot be written (a read-only share, disk, backup, or a
colleague's folder one may only read) without writing a byte.

SQLite in WAL mode makes ``labeldesk.db-wal`` and ``labeldesk.db-shm`` beside the
database even to read it, so a read-only folder refused every command. Such a folder is
opened read-only instead: reads work, and each write says the project is read-only.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from .db_settings import BUSY_TIMEOUT_MS, BUSY_TIMEOUT_S
from .errors import DatabaseDamaged, ProjectError, ProjectReadOnly
from .failures import DAMAGE_ADVICE

READ_ONLY_ADVICE = (
    "to change the project, copy the project folder somewhere writable and open the copy"
)
READ_ONLY_TEXT = "{reason}: LabelDesk only reads it, nothing was saved; " + READ_ONLY_ADVICE


class DamagedReason(str):
    """Why a project is opened read-only, when the reason is a damaged database
    (:mod:`.damage_note`): a refused write then says how to repair it, not where to copy
    the folder, and is a :class:`DatabaseDamaged`."""


class NotCheckedReason(DamagedReason):
    """A project found damaged before whose check could not run now (another program
    holds the database locked, a read error): read-only all the same, but nothing says
    it is still damaged, so what to do (``advice``) is to put that right and open it
    again, not a repair."""

    advice: str

    def __new__(cls, reason: str, advice: str) -> NotCheckedReason:
        made = super().__new__(cls, reason)
        made.advice = advice
        return made


def damaged_advice(reason: DamagedReason) -> str:
    """What to do about a project opened read-only for ``reason``: the repair where
    damage was found, the reason's own advice where the check could not run."""
    return reason.advice if isinstance(reason, NotCheckedReason) else DAMAGE_ADVICE


def read_only_advice(reason: str) -> str:
    """What to do about a project opened read-only for ``reason``, as one clause: the
    repair, the reason's own advice where the check could not run, else where to copy the
    folder. The app's notice on opening and the review's banner both say it, in these
    words (each had its own, and the banner's pointed to the README for the rescue)."""
    return damaged_advice(reason) if isinstance(reason, DamagedReason) else READ_ONLY_ADVICE


def read_only_refusal(reason: str) -> str:
    """What a write to a read-only project says (``reason``: which folder or disk)."""
    if isinstance(reason, DamagedReason):
        return f"{reason}: LabelDesk only reads it, nothing was saved; {damaged_advice(reason)}"
    return READ_ONLY_TEXT.format(reason=reason)


def write_refusal(reason: str) -> ProjectError:
    """The error a write to a project opened read-only for ``reason`` raises."""
    if isinstance(reason, DamagedReason):
        return DatabaseDamaged(read_only_refusal(reason))
    return ProjectReadOnly(read_only_refusal(reason))


def read_only_mode(path: Path) -> str:
    """How to open the database ``path`` in a folder that cannot be written, so that
    SQLite writes nothing: ``immutable=1`` when no write-ahead log holds changes (nobody
    can write through a read-only folder, and a cleanly closed WAL database has no
    ``-wal`` and ``-shm`` files that SQLite could make there); ``mode=ro`` when a program
    that stopped while writing left changes in ``labeldesk.db-wal`` (immutable would
    ignore them and show an older state). SQLite reads those only where it finds the
    ``-shm`` index beside them: :class:`ProjectError` where it cannot."""
    wal = path.with_name(path.name + "-wal")
    try:
        pending = wal.stat().st_size > 0
    except OSError:
        pending = False
    return "mode=ro" if pending else "immutable=1"


def read_only_connection(
    path: Path, mode: str, factory: type[sqlite3.Connection] = sqlite3.Connection
) -> sqlite3.Connection:
    uri = f"{path.resolve().as_uri()}?{mode}"
    try:
        conn = sqlite3.connect(
            uri,
            uri=True,
            timeout=BUSY_TIMEOUT_S,
            isolation_level=None,
            check_same_thread=False,
            factory=factory,
        )
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError as exc:
        # (busy: another program holds the file, which says nothing about the folder)
        if mode == "immutable=1" or _busy(exc):
            raise
        raise ProjectError(
            f"the project database {path} holds changes that have not been written into it "
            f"yet (in {path.name}-wal, left by a program that stopped while writing), and "
            "SQLite can only read them by writing beside it, in a folder that is read-only: "
            "copy the project folder somewhere writable and open the copy (LabelDesk then "
            f"reads those changes); SQLite said: {exc}"
        ) from exc
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return conn


def _busy(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def read_only_reason(folder: Path, db_file: Path) -> str | None:
    """Why the project in ``folder`` cannot be written (the disk holding it is mounted
    read-only, or the folder or its database file may not be written by this user), or
    None where it can. Root may write a folder whose permissions refuse it, so for root
    only a read-only disk counts (as for SQLite, which then writes)."""
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return f"the disk holding the project folder {folder} is read-only"
    except (OSError, AttributeError):  # no statvfs on Windows
        pass
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"the project folder {folder} is read-only"
    if not os.access(db_file, os.W_OK):
        return f"the project database {db_file} is read-only"
    return None


def check_readable_schema(
    conn: sqlite3.Connection, reason: str, latest: int, oldest: int | None = None
) -> None:
    """ProjectError when a read-only project's database is not at a schema from
    ``oldest`` (default ``latest``) to ``latest``: an older one is upgraded as it opens,
    which writes (an older LabelDesk still reads it), a newer one needs a newer LabelDesk.
    Between ``oldest`` and ``latest`` the upgrades only add indexes: read as it is."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > latest:
        raise ProjectError(
            f"this project was written by a newer LabelDesk (schema {version}, this version "
            f"reads up to {latest}); upgrade LabelDesk to open it"
        )
    if version < (latest if oldest is None else oldest):
        raise ProjectReadOnly(
            f"{reason}, and its database was written by an older LabelDesk (schema "
            f"{version}): this version upgrades it as it opens, which writes; copy the "
            "project folder somewhere writable and open the copy"
        )
