"""Writing cache files so that readers never see half of one, and reading them without
ever trusting them.

Two background jobs may compute the same cache at once (the browser's insights and the
review view both need predictions), so each writer gets its own temporary name; the
last rename wins and both results are identical. Temporary names start with a dot, so a
writer's clean-up of old versions (``knn-*.npz``) never deletes another writer's file.

A cache is only ever a copy of something LabelDesk can compute again, so a cache file
that cannot be read (truncated by a full disk, damaged, replaced by someone else's file,
even a pickle with a payload) is stale: the reader logs a warning and recomputes, and
the new file replaces it. Nothing is ever unpickled (``allow_pickle=False``).

The vector store replaces its small files the same way (:func:`write_bytes_atomically`). A
process killed mid-write leaves its temporary file behind; the next write in that folder
deletes the temporaries of processes that are gone (only names LabelDesk gives them, made
by this computer and container). In a folder a person chose, such as a drift report's,
only the temporaries of the very file being written again go (``of``): the person's
files are never judged by their names.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from labeldesk.core.failures import naming
from labeldesk.core.staging import process_alive, process_space

log = logging.getLogger(__name__)

ArrayCheck = Callable[[dict[str, np.ndarray]], str | None]  # why the arrays are wrong, or None


# ".tmp-PID-SPACE-THREAD-NAME" (write_atomically; SPACE: whose process ids PID is, see
# staging.process_space: a pid means nothing to another machine or container sharing
# the folder). Older versions wrote ".tmp-PID-THREAD-NAME", and the vector store's own
# ".NAME.PID.tmp": those say no SPACE, and are removed only once a day old.
_TEMPORARY = re.compile(r"^\.tmp-(\d+)-([0-9a-f]{8})-\d+-(.+)$")
_OLD_TEMPORARY = re.compile(r"^\.tmp-(\d+)-\d+-.+$")
_OLD_STORE_TEMPORARY = re.compile(r"^\.(?:vectors\.f16|keys\.bin|identity\.json)\.(\d+)\.tmp$")
OLD_TEMPORARY_AGE_S = 24 * 3600


@functools.cache
def _space() -> str:
    """This process's process space (:func:`~labeldesk.core.staging.process_space`), short."""
    return hashlib.blake2b(process_space().encode(), digest_size=4).hexdigest()


def write_atomically(target: Path, write: Callable[[Path], None], *, sweep: bool = True) -> None:
    """Call ``write(tmp)`` for a fresh temporary path beside ``target``, then rename it.

    A reader never sees half a file, and one that already has the old file open (or
    memory-mapped) goes on reading the old one. The new file's bytes reach the disk
    before the rename: otherwise a power cut can leave the new name on an empty file.
    ``sweep``: first remove what killed writers left in the folder; only in LabelDesk's
    own folders (a folder a person chose holds their files, whatever their names).
    """
    if sweep:
        remove_stale_temporaries(target.parent)
    name = f".tmp-{os.getpid()}-{_space()}-{threading.get_ident()}-{target.name}"
    tmp = target.with_name(name)
    try:
        with naming(tmp):  # (a full disk's error names the folder written to)
            write(tmp)
            _fsync(tmp)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_folder(target.parent)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX; Windows cannot open a folder to sync it)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse to sync a folder: the file itself is on disk
    finally:
        os.close(fd)


def write_bytes_atomically(target: Path, data: bytes, *, sweep: bool = True) -> None:
    def write(tmp: Path) -> None:
        tmp.write_bytes(data)

    write_atomically(target, write, sweep=sweep)


def remove_stale_temporaries(folder: Path, *, of: str | None = None) -> list[Path]:
    """Delete the temporary files in ``folder`` whose writer is no longer running (killed
    mid-write). Only plain files named as LabelDesk names its temporaries are touched;
    ``of``: only those of the file of that name (in a folder a person chose), named as
    this version names them (so with whose process it was)."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        ours = _TEMPORARY.match(entry.name)
        if of is not None and (ours is None or ours.group(3) != of):
            continue
        old = None if ours else _OLD_TEMPORARY.match(entry.name)
        old = old or (None if ours else _OLD_STORE_TEMPORARY.match(entry.name))
        match = ours or old
        if match is None or (ours is not None and ours.group(2) != _space()):
            continue  # not a temporary, or another machine's or container's
        pid = int(match.group(1))
        if pid == os.getpid() or process_alive(pid):
            continue  # still being written (another thread of ours, or another process)
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            if old is not None and time.time() - entry.stat().st_mtime < OLD_TEMPORARY_AGE_S:
                continue  # whose pid it is cannot be told: only once it is surely dead
            os.unlink(entry.path)
        except OSError:
            continue
        log.info("removed %s, left by an interrupted write", entry.path)
        removed.append(Path(entry.path))
    return removed


def replace_versions(target: Path, pattern: str, write: Callable[[Path], None]) -> None:
    """Write ``target`` and delete the other files matching ``pattern`` (older versions).

    A folder that may not be written (a read-only project: its disk, share or folder)
    keeps no cache: the caller goes on with what it computed, in memory, and computes it
    again next time. A full disk is still said (it fails more than a cache)."""
    if target.parent.is_dir() and not os.access(target.parent, os.W_OK | os.X_OK):
        log.info("%s not cached (its folder is read-only): kept in memory only", target)
        return
    try:
        for old in target.parent.glob(pattern):
            if old != target:
                old.unlink(missing_ok=True)
        write_atomically(target, write)
    except OSError as exc:
        if exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise
        log.info("%s not cached (%s): kept in memory only", target, exc.strerror or exc)


_warned: set[tuple[str, int, int]] = set()
_warned_lock = threading.Lock()


def stale(path: Path, reason: str, consequence: str = "computing it again") -> None:
    """Warn that the file ``path`` is unusable, and what happens instead; once per
    version of the file (a damaged file that is not replaced is read again and again)."""
    try:
        info = path.stat()
        version = (str(path), info.st_mtime_ns, info.st_size)
    except OSError:
        version = (str(path), 0, 0)
    with _warned_lock:
        if version in _warned:
            return
        _warned.add(version)
    log.warning("%s cannot be used (%s); %s", path, reason, consequence)


def read_arrays(
    path: Path, names: Sequence[str], check: ArrayCheck
) -> dict[str, np.ndarray] | None:
    """The arrays ``names`` from the ``.npz`` cache file ``path`` (an ``.npy`` file holds
    one array, read as ``names[0]``), or None when there is no file or it is stale.

    ``check`` judges shapes and types against what the caller expects (e.g. one row per
    embedded image); anything it objects to, or any error while reading, makes the file
    stale (see :func:`stale`).
    """
    if not path.exists():
        return None
    try:
        with open(path, "rb") as f:
            loaded = np.load(f, allow_pickle=False)
            if isinstance(loaded, np.ndarray):
                arrays = {names[0]: loaded} if len(names) == 1 else {}
            else:
                with loaded:
                    arrays = {name: np.asarray(loaded[name]) for name in names}
    except Exception as exc:  # any way of failing to read a cache means: compute it again
        stale(path, describe(exc, path))
        return None
    missing = [name for name in names if name not in arrays]
    problem = f"no {missing[0]!r} in it" if missing else check(arrays)
    if problem is not None:
        stale(path, problem)
        return None
    return arrays


def describe(exc: BaseException, path: Path | None = None) -> str:
    """A short reason for a failed read of ``path``. NumPy takes any file that is not an
    .npy or .npz for a pickle: a file that does not start as a pickle is called damaged."""
    text = str(exc).strip()
    if "pickle" in text.lower():
        if path is not None and not _starts_as_pickle(path):
            return "it is not a NumPy file (damaged or overwritten)"
        return "it holds pickled data, which LabelDesk never loads"
    first = text.splitlines()[-1] if text else ""
    return f"{type(exc).__name__}: {first[:200]}" if first else type(exc).__name__


def _starts_as_pickle(path: Path) -> bool:
    """Whether the file starts as a pickle of protocol 2 or later does (b"\\x80", then a
    protocol number); unreadable: True, the cautious answer."""
    try:
        with open(path, "rb") as f:
            head = f.read(2)
    except OSError:
        return True
    return len(head) == 2 and head[0] == 0x80 and 2 <= head[1] <= 5


def rows_of(array: np.ndarray, rows: int, columns: int | None, kind: str) -> str | None:
    """Why ``array`` is not a finite (rows, columns) array of numpy kind ``kind`` ("f",
    "i", "b"; columns None: one-dimensional), or None when it is."""
    shape = (rows,) if columns is None else (rows, columns)
    if array.shape != shape:
        return f"shape {array.shape}, expected {shape}"
    if array.dtype.kind not in (kind if kind != "i" else "iu"):
        return f"dtype {array.dtype}"
    if kind == "f" and not np.isfinite(array).all():
        return "values that are not finite"
    return None
