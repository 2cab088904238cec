"""Turning a failure into one message a person understands (and a kind for scripts).

LabelDesk's own errors already say what went wrong. The operating system and SQLite
raise their own when a disk fills up, a file vanishes or the database is damaged; those
are expected failures too and get a plain message, never a traceback. The command line
prints it; the app shows it as one notice.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import LabelDeskError, ProjectBusyError, ProjectError

# Below this, SQLite cannot make its write-ahead log and index files: the disk is full
# for the project's purposes, although it may show a few free kilobytes.
LOW_SPACE = 1 << 20

# How a message about a full disk says it, wherever it comes from (a file, the project
# database, a new project): see says_disk_full
FULL_DISK_WORDS = ("no space left on the disk", "the disk quota is used up")


def says_disk_full(message: str) -> bool:
    """Whether ``message``, as :func:`describe` words a failure, is about a full disk."""
    low = message.lower()
    return any(words in low for words in FULL_DISK_WORDS)


_OS_MESSAGES = {
    errno.ENOSPC: "no space left on the disk",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the disk is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENOENT: "not found",
    errno.ENAMETOOLONG: "a file name is too long for the file system",
    errno.EIO: "a read or write error on the disk (input/output error)",
    errno.EMFILE: "too many open files",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EISDIR: "is a folder, not a file",
    errno.EEXIST: "already exists",
    errno.EFBIG: (
        "a file is too large for the disk's file system (FAT32, a USB stick's usual format, "
        "holds at most 4 GiB in one file) or for a file-size limit"
    ),
}


# `labeldesk CMD PROJECT …` in a message: a command it suggests, raised where the project's
# path as the person knows it is not known (the command line puts the path as typed, the
# app the project's folder); not `labeldesk new PROJECT`, a project yet to be named
_PROJECT_WORD = re.compile(r"(`labeldesk (?!new )[a-z-]+ )PROJECT(?=[` ])")


def with_project(message: str, project: str) -> str:
    """``message`` with the word PROJECT in a command it suggests replaced by
    ``project`` (the project's path, quoted for a shell), so the command can be copied
    as it is."""
    if "PROJECT" not in message:
        return message
    return _PROJECT_WORD.sub(lambda m: m.group(1) + project, message)


def describe(exc: BaseException) -> tuple[str, str] | None:
    """(message, kind) for an expected failure, with the notes the work that failed
    added on the way up (what it kept and how to go on); None for a bug."""
    found = _described(exc)
    notes = [str(n) for n in getattr(exc, "__notes__", None) or []]
    if found is None or not notes:
        return found
    return "; ".join([found[0], *notes]), found[1]


def _described(exc: BaseException) -> tuple[str, str] | None:
    if isinstance(exc, ProjectBusyError):  # the command line's kind for it, as SQLite's
        return str(exc), "DatabaseBusy"  # "database is locked" has always been
    if isinstance(exc, LabelDeskError):
        return str(exc), type(exc).__name__
    if isinstance(exc, OSError):
        return _os_message(exc), "DiskFull" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else (
            "OSError"
        )
    if isinstance(exc, sqlite3.DatabaseError):
        return _database_message(exc)
    if isinstance(exc, MemoryError):
        return "not enough memory for this; close other programs or use a smaller batch", (
            "MemoryError"
        )
    return None


@contextmanager
def naming(path: str | os.PathLike[str]) -> Iterator[None]:
    """An ``OSError`` raised inside without a file name gets ``path`` as its file name.

    A write that fills the disk fails in a file object's ``write`` or ``flush``, whose
    error says only "No space left on device": the message must say which disk to free
    (a project's, an export's, the model cache's)."""
    try:
        yield
    except OSError as exc:
        if exc.filename is None:
            exc.filename = os.fspath(path)
        raise


_WRITE_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG)


def _os_message(exc: OSError) -> str:
    what = _OS_MESSAGES.get(exc.errno or -1) or exc.strerror or str(exc)
    where = exc.filename
    if exc.errno in _WRITE_ERRNOS and exc.filename2:
        where = exc.filename2  # a copy's target: the source is on a disk that is not full
    if where and exc.errno in (*_WRITE_ERRNOS, errno.EACCES, errno.EPERM):
        written = Path(os.fsdecode(where))
        if written.name.startswith(".tmp-"):  # ".tmp-PID-SPACE-THREAD-NAME" being written
            parts = written.name.split("-", 4)  # into place as NAME: name its folder
            name = parts[4] if len(parts) == 5 else "a file"
            where = f"{written.parent} (writing {name} there)"
    text = f"{what}: {where}" if where else what
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        text += "; free some space and run the command again (what was saved before is safe)"
    elif exc.errno == errno.EFBIG:
        text += (
            "; write to a disk formatted as exFAT, NTFS, APFS or ext4, or write smaller files "
            "(a WebDataset export: a smaller --shard-size); what was saved before is safe"
        )
    elif exc.errno == errno.EROFS:
        text += (
            "; make the disk writable, or use a folder on a disk that can be written to "
            "(for the project: copy its folder there and open the copy)"
        )
    elif exc.errno in (errno.EACCES, errno.EPERM):
        text += "; check its permissions (yours must allow this), then run the command again"
    return text


def _database_message(exc: sqlite3.DatabaseError) -> tuple[str, str]:
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


def is_disk_full(exc: BaseException) -> bool:
    """Whether an OSError or SQLite error says the disk (or the quota) is full."""
    code = exc.errno if isinstance(exc, OSError) else None
    return code in (errno.ENOSPC, errno.EDQUOT) or "disk is full" in str(exc)


def is_io_error(exc: BaseException) -> bool:
    """Whether SQLite says a read or write of the file failed (SQLITE_IOERR): by its
    result code where it gave one, else by its words."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF == sqlite3.SQLITE_IOERR
    return isinstance(exc, sqlite3.DatabaseError) and "disk I/O error" in str(exc)


def write_refused(exc: BaseException, holding: Path | None = None) -> str:
    """Why a write that makes something new (a project) failed, with what to do where
    the disk is full or refuses it; else the system's or SQLite's own words. A full disk
    is named by ``holding`` (a folder on it), as the other commands name theirs."""
    text = str(exc)
    code = exc.errno if isinstance(exc, OSError) else None
    if is_disk_full(exc) and holding is not None:
        return (
            f"no space left on the disk holding {holding}; free some space there and run "
            "the command again"
        )
    if is_disk_full(exc):
        return "no space left on the disk; free some space and run the command again"
    if code in (errno.EACCES, errno.EPERM):
        return "permission denied; pick a folder you may write to (or change its permissions)"
    if code == errno.EROFS or "readonly" in text:
        return "the disk is read-only; pick a folder on a disk that can be written to"
    return (exc.strerror if isinstance(exc, OSError) else None) or text


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


def check_writable(*paths: Path) -> None:
    """Raise, before long work that saves at its end (embedding, training), the error a
    write there would meet: ``OSError`` EROFS for a read-only disk, ``PermissionError``
    for a folder or file one may not write to. :func:`describe` words it as it words the
    same write refused later. A path not made yet is judged by the folder it would be
    made in (its nearest existing parent). A link on the way to a place that is not
    there (a drive not mounted) raises :class:`~.errors.ProjectError` saying so."""
    for path in paths:
        here = path
        while not os.path.lexists(here) and here.parent != here:
            here = here.parent
        if here.is_symlink() and not here.exists():
            raise ProjectError(
                f"{here} is a link to {os.readlink(here)}, which is not there (a drive "
                "not mounted?): nothing can be saved through it; mount it, or remove "
                "the link"
            )
        try:
            read_only = bool(os.statvfs(here).f_flag & os.ST_RDONLY)
        except (OSError, AttributeError):  # no statvfs on Windows
            read_only = False
        if read_only:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(here))
        wanted = os.W_OK | os.X_OK if here.is_dir() else os.W_OK
        if not os.access(here, wanted):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(here))


NO_SPACE = "no space left on the disk holding the project"  # storage_problem's full disk


def storage_problem(folder: Path, db_file: Path | None = None) -> str | None:
    """Why nothing can be written in the project ``folder`` (a read-only disk, folder or
    database file, or a full disk), or None if it looks writable.

    SQLite reports these as "unable to open database file" or "disk I/O error", which
    name neither the cause nor the fix; this is asked only once opening has failed."""
    read_only = (
        "is read-only, and its database could not be read without writing; copy the "
        "project folder somewhere writable and open the copy"
    )
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return f"the disk holding the project folder {folder} {read_only}"
    except (OSError, AttributeError):  # no statvfs on Windows
        pass
    if not os.access(folder, os.W_OK):
        return f"the project folder {folder} {read_only}"
    if db_file is not None and db_file.exists() and not os.access(db_file, os.W_OK):
        return f"the project database {db_file} {read_only}"
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return None
    if free < LOW_SPACE:
        return (
            f"{NO_SPACE} {folder} ({free // 1024} KiB "
            "free); free some space and run the command again (what was saved before is safe)"
        )
    return None
