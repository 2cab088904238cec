"""SQLite's failures of the project database in words a person can act on: a full disk,
a file that reached its file system's largest size (FAT32), a damaged file, a busy or
read-only database. :func:`.failures.describe` gives these their message and kind."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from .disk_checks import LOW_SPACE
from .errors import LabelDeskError


def database_message(exc: sqlite3.DatabaseError) -> tuple[str, str]:
    text = str(exc)
    if "disk is full" in text or "database or disk is full" in text:
        return _full_database_message(getattr(exc, DATABASE_FILE, None)), "DiskFull"
    if is_damage(exc):
        return damaged_database("the project database", text), "DatabaseDamaged"
    if is_io_error(exc) and (limit := _io_error_message(getattr(exc, DATABASE_FILE, None))):
        return limit, "DiskFull"  # (as the same limit met as "database or disk is full")
    if "locked" in text or "busy" in text:
        return (
            f"the project database is busy ({text}); another program holds it too long, "
            "try again in a moment",
            "DatabaseBusy",
        )
    if "readonly" in text or "read-only" in text:
        return (
            "the project database cannot be written (a read-only disk, folder or "
            "labeldesk.db); check their permissions, or copy the project folder somewhere "
            "writable and open the copy",
            "OSError",
        )
    return f"the project database failed: {text}", "DatabaseError"


# The attribute the project database's write puts on SQLite's "database or disk is full"
# and "disk I/O error" (the file it was writing), so that its message can tell a full disk
# or a failing one from a file-size limit
DATABASE_FILE = "labeldesk_database_file"
SAVED_BEFORE = "every change saved before this one is safe"
# FAT32 holds at most 4 GiB less one byte in one file; a labeldesk.db this close to it
# whose write fails with "disk I/O error" (SQLITE_IOERR_WRITE) most likely met that limit
FAT32_LIMIT = 4 * 1024**3
NEAR_FAT32_LIMIT = 8 << 20


def _full_database_message(db_file: object) -> str:
    """SQLite says "database or disk is full" both when the disk is full and when the
    database file reached the largest file its disk allows (FAT32: 4 GiB, EFBIG): with
    free space on the disk now, the second."""
    full = (
        "no space left on the disk for the project database; free some space and run the "
        f"command again ({SAVED_BEFORE})"
    )
    if not isinstance(db_file, Path):
        return full
    full = (  # the disk named, so that a person knows where to free space
        f"no space left on the disk holding the project database {db_file}; free some "
        f"space there and run the command again ({SAVED_BEFORE})"
    )
    try:
        free = shutil.disk_usage(db_file.parent).free
        size = db_file.stat().st_size
    except OSError:
        return full
    if free < LOW_SPACE:
        return full
    return _file_size_limit(
        db_file, size, "the database or disk is full", f"yet its disk has {_size(free)} free"
    )


def _io_error_message(db_file: object) -> str | None:
    """SQLite's "disk I/O error" writing a database file that is within a few MB of
    4 GiB: most likely the FAT32 limit (SQLite reports a write past it as SQLITE_IOERR,
    not SQLITE_FULL); None for a smaller file, a plain read or write error."""
    if not isinstance(db_file, Path):
        return None
    try:
        size = db_file.stat().st_size
    except OSError:
        return None
    if not FAT32_LIMIT - NEAR_FAT32_LIMIT <= size <= FAT32_LIMIT:
        return None
    return _file_size_limit(
        db_file, size, "disk I/O error", "and it is just under 4 GiB", probably=True
    )


def _file_size_limit(
    db_file: Path, size: int, said: str, because: str, *, probably: bool = False
) -> str:
    """The message for ``db_file`` (``size`` bytes) that cannot grow past its disk's
    largest file: SQLite's words (``said``), why LabelDesk thinks it is the limit."""
    limits = "probably limits" if probably else "limits"
    return (
        f"the project database {db_file} cannot grow (SQLite says {said}), {because}: "
        f"the disk's file system {limits} the size of one file (FAT32, a USB stick's usual "
        f"format, holds at most 4 GiB in one file; labeldesk.db is {_size(size)}); move the "
        "project folder to a disk formatted as exFAT, NTFS, APFS or ext4 and open it there "
        f"({SAVED_BEFORE})"
    )


def _size(n: int) -> str:
    for unit, step in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= step:
            return f"{n / step:.1f} {unit}"
    return f"{n} bytes"


def is_io_error(exc: BaseException) -> bool:
    """Whether SQLite says a read or write of the file failed (SQLITE_IOERR): by its
    result code where it gave one, else by its words."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF == sqlite3.SQLITE_IOERR
    return isinstance(exc, sqlite3.DatabaseError) and "disk I/O error" in str(exc)


# SQLite's result codes for a damaged file (its extended codes keep these in the low byte)
_DAMAGE_CODES = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})


def is_damage(exc: sqlite3.DatabaseError) -> bool:
    """Whether SQLite says the file is not (or no longer) a sound database: by its result
    code where it gave one, so that another error whose words say "malformed" (malformed
    JSON) is not one; by its words for an error made by hand. Never LabelDesk's own
    error (:class:`~.errors.ProjectClosed`): its words name a folder, which may well be
    called "corrupted"."""
    if isinstance(exc, LabelDeskError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in _DAMAGE_CODES
    text = str(exc)
    return "malformed" in text or "not a database" in text or "corrupt" in text


def damaged_database(what: str, reason: str) -> str:
    """The message for a damaged project database (``what``: how to name it), with what
    to do: keep a copy before anything else touches it, then a backup or a rescue. The
    sqlite3 program Debian and Ubuntu ship lacks the page reader `.recover` needs: it
    says "SQL logic error" and leaves recovered.db empty, hence the two warnings."""
    return f"{what} is damaged ({reason}); {DAMAGE_ADVICE}"


DAMAGE_ADVICE = (
    "copy the project folder somewhere safe, then "
    "restore labeldesk.db from a backup or rescue it with "
    "`sqlite3 labeldesk.db .recover | sqlite3 recovered.db` (the sqlite3 program "
    "from sqlite.org: the one Debian and Ubuntu ship has no .recover and says "
    '"SQL logic error") and, if recovered.db is not empty, put it in its place'
)
