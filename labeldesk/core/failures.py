"""Turning a failure into one message a person understands (and a kind for scripts).

LabelDesk's own errors already say what went wrong. The operating system and SQLite
raise their own when a disk fills up, a file vanishes or the database is damaged; those
are expected failures too and get a plain message, never a traceback. The command line
prints it; the app shows it as one notice.

The operating system's errors are worded here; SQLite's in :mod:`.database_failures`;
the checks that a place can be written (a full or read-only disk, permissions) in
:mod:`.disk_checks`. Their names are also importable from here, as before.
"""

from __future__ import annotations

import errno
import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .database_failures import (
    DAMAGE_ADVICE,
    DATABASE_FILE,
    FAT32_LIMIT,
    NEAR_FAT32_LIMIT,
    SAVED_BEFORE,
    damaged_database,
    database_message,
    is_damage,
    is_io_error,
)
from .disk_checks import (
    LOW_SPACE,
    NO_SPACE,
    check_writable,
    is_disk_full,
    storage_problem,
    write_refused,
)
from .errors import DiskFull, LabelDeskError, ProjectBusyError

__all__ = [
    "DAMAGE_ADVICE",
    "DATABASE_FILE",
    "FAT32_LIMIT",
    "FULL_DISK_WORDS",
    "LOW_SPACE",
    "NEAR_FAT32_LIMIT",
    "NO_SPACE",
    "SAVED_BEFORE",
    "check_writable",
    "damaged_database",
    "describe",
    "full_disk_of",
    "is_damage",
    "is_disk_full",
    "is_io_error",
    "naming",
    "says_disk_full",
    "storage_problem",
    "with_project",
    "write_refused",
]

# How a message about a full disk says it, wherever it comes from (a file, the project
# database, a new project): see says_disk_full
FULL_DISK_WORDS = ("no space left on the disk", "the disk quota is used up")


def full_disk_of(exc: BaseException) -> Path | None:
    """The place on the disk that ``exc`` says was full (a folder or a file there, made or
    not yet), carried on the exception, never read from its text: a :class:`DiskFull`'s
    ``disk``; an OSError's file being written (a copy's target; a ``.tmp-…`` file's
    folder); a SQLite error's database file. Else the one of the error it was raised from
    (``raise … from exc``); None where nothing full is named."""
    seen: set[int] = set()
    here: BaseException | None = exc
    while here is not None and id(here) not in seen:
        seen.add(id(here))
        carried = getattr(here, "disk", None)
        if isinstance(here, DiskFull) and isinstance(carried, Path):
            return carried
        if is_disk_full(here):
            place = _written(here)
            if place is not None:
                return place
        here = here.__cause__
    return None


def _written(exc: BaseException) -> Path | None:
    if isinstance(exc, OSError):
        where = exc.filename2 or exc.filename
        if where is None or isinstance(where, int):
            return None
        written = Path(os.fsdecode(where))
        return written.parent if written.name.startswith(".tmp-") else written
    db_file = getattr(exc, DATABASE_FILE, None)
    return db_file if isinstance(db_file, Path) else None


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
        return database_message(exc)
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
