"""Placing one image file of an export safely: copied, hard-linked or symbolically
linked, never over another file, never out of the export folder, never following a link
out of the image folder unless the project does, and judged against the bytes the scan
indexed (:exc:`SkipItem` when they changed since), so an image never goes out under a
label that is about other bytes.

Kept apart from :mod:`labeldesk.interop.writing` (what an export is: options, report,
items, the formats' registry, the loop over the images): this is what happens to one
file, for every format that writes image files.
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from labeldesk.core.copy_stat import copy_stat
from labeldesk.core.failures import naming
from labeldesk.core.file_kinds import open_regular
from labeldesk.core.image_rows import record_change_times
from labeldesk.core.indexed_files import (
    IndexedStat,
    content_hash,
    content_hasher,
    hash_file,
    stat_matches,
)

from .export_target import ExportTargetError

if TYPE_CHECKING:
    from labeldesk.core.project import Project

log = logging.getLogger(__name__)


@dataclass
class PlaceCache:
    """What every image of one export shares: the image folder's real path, whether the
    project follows links out of it, and the real path of each source folder seen (so
    the outside-link check costs one ``lstat`` per image, not a walk of its path)."""

    real_root: str
    follow: bool
    real_dirs: dict[str, str] = field(default_factory=dict)
    made: set[str] = field(default_factory=set)  # destination folders already created
    # source path -> (its indexed change time, the one our hard link gave it): recorded
    # in the project afterwards, so that the next scan need not hash the file again
    relinked: dict[str, tuple[int, int]] = field(default_factory=dict)

    @classmethod
    def of(cls, project: Project) -> PlaceCache:
        return cls(os.path.realpath(project.root), project.follows_outside_links)

    def real_path(self, path: str) -> str:
        """``os.path.realpath(path)``, with the parent folder's real path cached."""
        parent, name = os.path.split(path)
        real_parent = self.real_dirs.get(parent)
        if real_parent is None:
            real_parent = self.real_dirs[parent] = os.path.realpath(parent)
        if os.path.islink(path):
            return os.path.realpath(path)
        return os.path.join(real_parent, name)


def place(
    project: Project,
    source_rel: str,
    dest: Path,
    link: str,
    cache: PlaceCache | None = None,
    inside: Path | None = None,
    *,
    indexed_stat: IndexedStat | None = None,
    content: str | None = None,
    first_frame: bool = False,
) -> None:
    """Copy, hard-link or symbolically link one image; never touches the source (nor,
    unless the project follows them, a file that a symbolic link leads to outside the
    image folder). A symbolic link points at the source's real, absolute path: the
    export stays small but needs the image folder where it is. ``cache``: one per export
    (:meth:`PlaceCache.of`), for speed. Never overwrites: an existing ``dest`` raises
    FileExistsError. ``inside``: the folder ``dest`` must stay in (SkipItem if not).
    ``indexed_stat``, ``content``: the source's indexed (size, mtime_ns, ctime_ns) and hash;
    SkipItem if its bytes changed since: the copy or link is judged once written.
    ``first_frame``: write a PNG of the GIF's first frame instead (whatever ``link``
    says), made from bytes read once and judged as :func:`read_unchanged` judges them."""
    cache = cache or PlaceCache.of(project)
    parent = str(dest.parent)
    if parent not in cache.made:
        dest.parent.mkdir(parents=True, exist_ok=True)
        cache.made.add(parent)
    if inside is not None and not _within(dest, inside):
        raise SkipItem(f"its destination {dest} would be outside the export folder")
    source = project.image_path(source_rel)
    if not cache.follow:
        real, root = cache.real_path(str(source)), cache.real_root
        if real != root and not real.startswith(root.rstrip(os.sep) + os.sep):
            raise SkipItem("a symbolic link to outside the image folder (not followed)")
    if first_frame:
        _write_first_frame(read_unchanged(source, indexed_stat, content), dest)
        return
    moved = stat_moved(source, indexed_stat)
    if moved and (content is None or link == "symlink"):
        check_unchanged(source, indexed_stat, content)  # no bytes of ours to judge
    if link == "symlink":
        if not source.is_file():
            raise FileNotFoundError(errno.ENOENT, "No such file", str(source))
        try:
            os.symlink(os.path.realpath(source), dest)
        except OSError as exc:
            if exc.errno not in _NO_SYMLINKS:
                raise
            raise ExportTargetError(no_symlinks((inside or dest).parent)) from exc
        return
    linked = False
    if link == "hardlink":
        try:
            os.link(source, dest)
            linked = True
        except OSError:
            pass  # another file system, or links not allowed: copy instead
    if not linked:
        written = _copy_new(source, dest)
        if content is not None:  # the bytes went through us: judged by them alone
            if written != content:
                dest.unlink()  # the copy just made, nothing else
                raise SkipItem(CHANGED_SINCE_INDEXED)
            return
    # A link: judge what was written, not the source before: a rewrite between a check
    # and the link would otherwise go out under the old label. A source whose size and
    # times were the indexed ones before (its change time too: a file swapped in by a
    # rename, or rewritten with its time put back, since the last scan moved it) and
    # whose size and time still are after was not written meanwhile: two stats. (Our
    # own hard link moves the change time.) Otherwise the link is judged: its size and
    # time (it shares the source's), else its bytes are hashed.
    try:
        unchanged = not moved and not stat_moved(source, indexed_stat, times_only=True)
    except OSError:  # gone or moved away just after: judge the copy itself
        unchanged = False
    if indexed_stat is None:
        return
    # (our hard link moved the change time: where it had not moved before, size and
    # time tell; where it had, the bytes)
    if not unchanged and not _as_indexed(dest, indexed_stat, content, times_only=not moved):
        dest.unlink()  # the copy or link just made, nothing else
        raise SkipItem(CHANGED_SINCE_INDEXED)
    if linked and unchanged and indexed_stat[2] is not None:
        cache.relinked[source_rel] = (indexed_stat[2], os.stat(dest).st_ctime_ns)


def _as_indexed(
    path: Path, indexed_stat: IndexedStat, content: str | None, *, times_only: bool = False
) -> bool:
    """Whether ``path`` holds the indexed bytes: its size and times are the indexed ones
    (:func:`~labeldesk.core.indexed_files.stat_matches`), or (its times alone moved: a touch, a
    copy, a hard link) its bytes hash to ``content``."""
    st = os.stat(path)
    if stat_matches(st, indexed_stat, times_only=times_only):
        return True
    return content is not None and st.st_size == indexed_stat[0] and hash_file(path) == content


def stat_moved(source: Path, indexed_stat: IndexedStat | None, *, times_only: bool = False) -> bool:
    """Are the file's size or times not the indexed ones (False when not checked)?"""
    if indexed_stat is None:
        return False
    return not stat_matches(os.stat(source), indexed_stat, times_only=times_only)


def record_relinked(project: Project, cache: PlaceCache) -> None:
    """Give the project the change times our hard links gave its files, where the rows
    still hold the ones the export checked (a scan meanwhile wins). Only saves the next
    scan a hash of each file: a project that cannot be written is left as it is."""
    if not cache.relinked:
        return
    try:
        record_change_times(project.db, cache.relinked)
    except sqlite3.Error as exc:
        log.info("change times of hard-linked images not recorded: %s", exc)


def _copy_new(source: Path, dest: Path) -> str:
    """``shutil.copy2`` that never overwrites (the name is claimed by an exclusive create:
    FileExistsError if taken, so two images can never end up in one file) and hashes the
    bytes it writes, as :func:`content_hash` does: the copy is judged by what it holds
    (a file replaced since the last scan by one of the same size and time would
    otherwise go out under the old label)."""
    hasher = content_hasher()
    with open_regular(source) as src:
        # exclusive, and binary: an os.open descriptor is text mode on Windows (\n -> \r\n)
        out = open(dest, "xb")  # noqa: SIM115 - closed by the with below, once claimed
        try:
            with naming(dest), out:  # (a full disk's error names the file: which disk)
                while chunk := src.read(COPY_CHUNK):
                    hasher.update(chunk)
                    out.write(chunk)
            copy_stat(source, dest)  # (a FAT stick refuses the permission bits)
        except BaseException:
            dest.unlink(missing_ok=True)  # our claim or part-copy, not a file of anyone else
            raise
    return hasher.hexdigest()


COPY_CHUNK = 1 << 20


def _write_first_frame(data: bytes, dest: Path) -> None:
    """A new file ``dest``: the PNG of the first frame of the GIF ``data`` (SkipItem
    when it cannot be decoded); never overwrites, as :func:`_copy_new`."""
    from .gif_frames import FrameError, first_frame_png

    try:
        png = first_frame_png(data)
    except FrameError as exc:
        raise SkipItem(str(exc)) from None
    with open(dest, "xb") as out:
        try:
            out.write(png)
        except BaseException:
            dest.unlink(missing_ok=True)  # our part-written file, nothing else
            raise


def _within(dest: Path, folder: Path) -> bool:
    """Does ``dest`` (once ``..`` is resolved) lie inside ``folder``?"""
    base = os.path.normpath(folder)
    return os.path.normpath(dest).startswith(base.rstrip(os.sep) + os.sep)


class SkipItem(Exception):
    """This one image cannot be exported; the rest can (the reason says why)."""


CHANGED_SINCE_INDEXED = "its file changed since it was indexed (rescan the project)"
GONE_SINCE_INDEXED = (
    "its file is gone since it was indexed: moved, renamed or deleted (rescan the project: "
    "a file moved or renamed is then found and exported)"
)


def check_unchanged(
    source: Path, indexed_stat: IndexedStat | None, content: str | None = None
) -> None:
    """SkipItem when the file's bytes are no longer the ones the label (or the version)
    is about: its size or times (modification, change) are not the indexed ones and,
    when ``content`` (the indexed hash) is given, its bytes hash otherwise (a touched or
    copied file, whose times alone moved, is still the same image). A missing file raises
    FileNotFoundError, as reading it would. ``indexed_stat`` None: not checked."""
    if indexed_stat is not None and not _as_indexed(source, indexed_stat, content):
        raise SkipItem(CHANGED_SINCE_INDEXED)


def read_unchanged(
    source: Path, indexed_stat: IndexedStat | None, content: str | None = None
) -> bytes:
    """The file's bytes, read once, when they are the indexed ones: with ``content`` (the
    indexed hash), when they hash to it (the hash is of the bytes returned, so a rewrite
    between a check and the read cannot slip through); without, when the file's size and
    time are the indexed ones. Else SkipItem. ``indexed_stat`` None: not checked."""
    with open_regular(source) as f:
        data = f.read()
        st = os.fstat(f.fileno())
    if indexed_stat is None:
        return data
    if content is not None:  # the bytes are here: judged by them alone (a file replaced
        if content_hash(data) != content:  # by one of the same size and time too)
            raise SkipItem(CHANGED_SINCE_INDEXED)
        return data
    if not stat_matches(st, indexed_stat):
        raise SkipItem(CHANGED_SINCE_INDEXED)
    return data


# What symlink() says where the disk holds none: FAT and exFAT on Linux EPERM, through
# FUSE ENOSYS, other file systems and shares EOPNOTSUPP
_NO_SYMLINKS = (errno.EPERM, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP)


def no_symlinks(where: Path) -> str:
    return (
        f"nothing was exported: the disk at {where} cannot hold symbolic links (FAT and "
        "exFAT drives such as most USB sticks, some network shares); export without "
        "--symlink to copy the images there, or to a disk that holds links"
    )
