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

from .progress import CancelToken, Progress, ProgressCallback, no_progress

# What a file system says when it does not sync (or cannot sync a folder): nothing to
# make durable there, and nothing lost by going on.
_CANNOT_SYNC = frozenset({errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EROFS, errno.ENOSYS})
# An fsync waits on the disk, not the CPU, and a journaling file system (ext4) commits
# the fsyncs waiting together in one go: many small files sync faster 16 at a time than
# one after another on a few threads (benchmarks/RESULTS.md, bench_export.py's row)
SYNC_THREADS = 16
# How many files are synced between two progress reports (and checks for a cancel): a
# million-file export's fsyncs take minutes
SYNC_REPORT_EVERY = 256
SYNCING = "syncing files to the disk"  # a phase counting files: {"unit": "file"}


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


def sync_files(
    paths: Sequence[str | os.PathLike[str]],
    *,
    own_only: bool = False,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
    phase: str = SYNCING,
) -> None:
    """:func:`sync_file` of each regular file of ``paths``, many at a time; a symbolic
    link, a FIFO or other special file is not opened. ``own_only``: a file with other
    names (a hard link to an image) is left as it is: its bytes were written before,
    not by whoever made this name (the folder's sync makes the name durable).

    ``progress`` hears the files synced so far (the phase ``phase``, counting files)
    every :data:`SYNC_REPORT_EVERY` files and at the end; ``cancel`` is checked as
    often: once set, no more files are synced and :class:`Cancelled` is raised (those
    synced stay so). A KeyboardInterrupt (Ctrl+C) stops the syncs the same way."""
    total = len(paths)

    def step(done: int) -> None:
        progress(Progress(done, total, phase, {"unit": "file"}))
        if cancel is not None:
            cancel.raise_if_cancelled()

    step(0)
    if total < 2:
        for path in paths:
            _sync_regular(path, own_only)
    else:
        with ThreadPoolExecutor(SYNC_THREADS) as pool:
            try:
                synced = pool.map(lambda p: _sync_regular(p, own_only), paths, chunksize=8)
                for done, _ in enumerate(synced, start=1):
                    if done % SYNC_REPORT_EVERY == 0 and done < total:
                        step(done)
            except BaseException:  # a cancel, or Ctrl+C: those not started are not synced
                pool.shutdown(cancel_futures=True)  # (leaving the pool would wait for them)
                raise
    step(total)


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
