"""Whether a place can be written: a full disk, a read-only disk, folder or file, a
permission; asked before long work that saves at its end, when a project cannot be
opened, and when a new project could not be made."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

from .errors import ProjectError

# Below this, SQLite cannot make its write-ahead log and index files: the disk is full
# for the project's purposes, although it may show a few free kilobytes.
LOW_SPACE = 1 << 20


def is_disk_full(exc: BaseException) -> bool:
    """Whether an OSError or SQLite error says the disk (or the quota) is full."""
    code = exc.errno if isinstance(exc, OSError) else None
    return code in (errno.ENOSPC, errno.EDQUOT) or "disk is full" in str(exc)


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
