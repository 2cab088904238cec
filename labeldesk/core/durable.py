"""Making what was written survive a power cut: a file's bytes (``fsync``) and a folder's
entries (``fsync`` of the folder), before LabelDesk says the work is done.

Without them, a file written and renamed into place can come back after a power cut as
an empty or truncated file under its final name, or not at all, while the command had
said "done". A file system that cannot sync (some network shares, FUSE mounts) says so
with an error that is not a failure to write: it is passed over. Any other error (EIO:
the disk lost the bytes) is raised, since what was written may not be on the disk.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor

# What a file system says when it does not sync (or cannot sync a folder): nothing to
# make durable there, and nothing lost by going on.
_CANNOT_SYNC = frozenset({errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EROFS, errno.ENOSYS})
# An fsync waits on the disk, not the CPU, and a journaling file system (ext4) commits
# the fsyncs waiting together in one go: many small files sync faster 16 at a time than
# one after another on a few threads (benchmarks/RESULTS.md, bench_export.py's row)
SYNC_THREADS = 16


def sync_open_file(fd: int, path: str | os.PathLike[str]) -> None:
    """Make the bytes of the file open as ``fd`` (at ``path``) durable. On Windows a file
    open only to read cannot be flushed: ``path`` is opened again to write to sync it."""
    if os.name == "nt":  # pragma: no cover - Windows only
        try:
            fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
        except PermissionError:  # a read-only file (a hard link to a read-only image)
            return
        try:
            _fsync(fd)
        finally:
            os.close(fd)
        return
    _fsync(fd)


def sync_file(path: str | os.PathLike[str]) -> None:
    """Make the bytes of the file at ``path`` durable."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        sync_open_file(fd, path)
    finally:
        os.close(fd)


def sync_files(paths: Sequence[str | os.PathLike[str]], *, own_only: bool = False) -> None:
    """:func:`sync_file` of each regular file of ``paths``, many at a time; a symbolic
    link, a FIFO or other special file is not opened. ``own_only``: a file with other
    names (a hard link to an image) is left as it is: its bytes were written before,
    not by whoever made this name (the folder's sync makes the name durable)."""
    if len(paths) < 2:
        for path in paths:
            _sync_regular(path, own_only)
        return
    with ThreadPoolExecutor(SYNC_THREADS) as pool:
        for _ in pool.map(lambda p: _sync_regular(p, own_only), paths, chunksize=8):
            pass


def _sync_regular(path: str | os.PathLike[str], own_only: bool) -> None:
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # a symbolic link: nothing of its own to sync
            return
        raise
    try:
        st = os.fstat(fd)
        if stat.S_ISREG(st.st_mode) and not (own_only and st.st_nlink > 1):
            sync_open_file(fd, path)
    finally:
        os.close(fd)


def sync_folder(folder: str | os.PathLike[str]) -> None:
    """Make the entries of ``folder`` (files created, renamed or removed in it) durable.
    POSIX only: Windows cannot open a folder to sync it (NTFS keeps its entries in its
    journal)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        _fsync(fd)
    finally:
        os.close(fd)


def sync_folders(folders: Iterable[str | os.PathLike[str]]) -> None:
    """:func:`sync_folder` of each of ``folders``, a few at a time."""
    folders = list(folders)
    if len(folders) < 2:
        for folder in folders:
            sync_folder(folder)
        return
    with ThreadPoolExecutor(SYNC_THREADS) as pool:
        for _ in pool.map(sync_folder, folders, chunksize=8):
            pass


def _fsync(fd: int) -> None:
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in _CANNOT_SYNC:
            raise
