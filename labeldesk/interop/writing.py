"""The building blocks every export format uses: what is exported (:class:`Item`), the
options and report, the registry of formats, and placing image files safely.

A format is one function registered with :func:`register_exporter`; it writes into the
staging folder :func:`labeldesk.interop.export.export` gives it and never has to think
about atomicity, target checks or the manifest.
"""

from __future__ import annotations

import errno
import logging
import os
import posixpath
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labeldesk.core.copy_stat import copy_stat
from labeldesk.core.errors import Cancelled
from labeldesk.core.file_kinds import open_regular
from labeldesk.core.image_rows import record_change_times
from labeldesk.core.indexed_files import (
    IndexedStat,
    content_hash,
    content_hasher,
    hash_file,
    stat_matches,
)
from labeldesk.core.progress import CancelToken, Progress, ProgressCallback
from labeldesk.core.registry import Registry

from .export_names import (
    READ_BY_EXTENSION,
    TORCHVISION_READS,
    claim,
    needs_format,
    png_name,
    typed_path,
)
from .export_portable import PortableFolders, fold_path
from .export_target import ExportTargetError

if TYPE_CHECKING:
    from labeldesk.core.project import Project

log = logging.getLogger(__name__)
# What a cancelled export says (every format, and the manifest's hashing)
EXPORT_CANCELLED = "export cancelled: nothing was written"


@dataclass(frozen=True)
class ExportOptions:
    link: str = "copy"  # "copy", "hardlink" (copies across file systems) or "symlink"
    include_excluded: bool = False
    include_flagged: bool = True  # False: leave out images `labeldesk issues` flags
    include_unlabeled: bool = False
    overwrite: bool = False
    shard_size: int = 10_000  # webdataset: images per tar shard
    include_unverified: bool = True  # False: only images a person verified
    # Class map: (old, new) renames, several olds to one new merge, (old, None) drops.
    class_map: tuple[tuple[str, str | None], ...] = ()
    version: str | None = None  # a dataset version's state instead of the state now
    since: str | None = None  # only images whose label/split/status/content changed since
    make_splits: tuple[float, float, float] | None = None  # train/val/test fractions
    seed: int = 0  # for make_splits
    # Filled by export(): this export's classes in order (the class map and the version
    # applied). A format that lists classes uses export_classes(), not project.classes().
    classes: tuple[str, ...] = ()
    # Filled by export(): file and folder names of images that the destination cannot
    # hold as they are (export_portable): written made safe, recorded in ``renamed``.
    unwritable: frozenset[str] = frozenset()


@dataclass
class ExportReport:
    out: str
    format: str
    written: int = 0
    left_out: dict[str, int] = field(default_factory=dict)
    per_split: dict[str, int] = field(default_factory=dict)
    # {"path", "reason", "hash", "label", "split", "status"} (failed_row)
    failed: list[dict[str, Any]] = field(default_factory=list)
    label_event_id: int = 0  # the label state written (the newest event, or the version's)
    version: str | None = None
    since: str | None = None
    # Images of the version that cannot be read any more: {"path", "reason", and the
    # version's "hash", "label", "split"}; not written.
    missing: list[dict[str, str | None]] = field(default_factory=list)
    made_splits: dict[str, Any] | None = None  # sizes, per-class balance, groups kept whole
    # --make-splits: the split made for each image (its path as the state names it), which
    # the manifest records (``made_split_of``) so that `version verify` can check them
    made_split_of: dict[str, str] = field(default_factory=dict)
    # Files written under another name than their project file's (path in the export ->
    # project path), so that importing the export back leads each one to its image.
    renamed: dict[str, str] = field(default_factory=dict)
    # Each image file's content hash as indexed (path in the export -> hash): importing
    # the export back finds the picture a row was exported as, wherever it is now (two
    # files swapped since: each row's label goes with its picture, not its old name).
    exported_hashes: dict[str, str] = field(default_factory=dict)
    # Whether the format wrote the images' review statuses (the exporter says so), and,
    # where it did not, how many written images had one: said, since the import cannot
    # bring back what the export dropped.
    carries_status: bool = False
    statuses_not_written: int = 0
    # With --since: the earlier version's images to drop from a copy of it ({"path",
    # "hash", "why"}): no longer in the dataset, or changed (written anew, or left out)
    gone_since: list[dict[str, str]] = field(default_factory=list)
    # Images without a split that the format wrote among a split's images (Hugging Face:
    # into train/, since datasets loads nothing outside its split folders): their paths
    # in the export -> that split. per_split counts them there, where they are; the
    # manifest lists them (``no_split``), so reading the export back gives them none.
    no_split: dict[str, str] = field(default_factory=dict)
    # Files of labeled images without a split of their own, written as train (the split
    # they count in; WebDataset: ``<shard>:<key>``): the manifest lists them under
    # ``no_split`` too, so reading the export back leaves them without one.
    split_implied: set[str] = field(default_factory=set)
    # ImageFolder: files written as a PNG of a GIF's first frame (torchvision reads no .gif)
    gif_as_png: list[str] = field(default_factory=list)
    # val/test images written with a copy in the written train split (export_leaks)
    leakage: dict[str, Any] | None = None

    def moved(self, old: str, new: str) -> None:
        """A format renamed a file it wrote (``old`` -> ``new``): its records follow it."""
        if old in self.renamed:
            self.renamed[new] = self.renamed.pop(old)
        if old in self.exported_hashes:
            self.exported_hashes[new] = self.exported_hashes.pop(old)
        if old in self.split_implied:
            self.split_implied = (self.split_implied - {old}) | {new}
        self.gif_as_png = [new if rel == old else rel for rel in self.gif_as_png]

    def no_split_in(self) -> dict[str, int]:
        """Split -> how many images without a split were written among its images."""
        counts: dict[str, int] = {}
        for split in self.no_split.values():
            counts[split] = counts.get(split, 0) + 1
        return dict(sorted(counts.items()))

    def failed_paths(self) -> set[str]:
        return {f["path"] for f in self.failed}

    def to_json(self) -> dict[str, Any]:
        return {
            "out": self.out,
            "format": self.format,
            "written": self.written,
            "left_out": self.left_out,
            "per_split": self.per_split,
            "no_split_in": self.no_split_in(),
            "gif_as_png": len(self.gif_as_png),
            "failed": self.failed,
            "statuses_not_written": self.statuses_not_written,
            "gone_since": self.gone_since,
            "label_event_id": self.label_event_id,
            "version": self.version,
            "since": self.since,
            "missing": self.missing,
            "made_splits": self.made_splits,
            "leakage": self.leakage,
        }


UNASSIGNED = "unassigned"  # an Item's split when the image has none


@dataclass(frozen=True, slots=True)  # (slots: an export of a million images makes a million)
class Item:
    path: str  # relative to the image root, as the exported state names it
    label: str | None
    split: str  # train / val / test, or "unassigned"
    image_id: int = -1  # the project's id (joins the model's values, ml.image_values)
    hash: str | None = None  # content hash (BLAKE2b-128 of the file, core.imageio) as indexed
    # Where the file is read from, when not at ``path``: an image of a version that moved
    # since is read from where it is now but named as the version names it.
    source: str | None = None
    # (size, mtime_ns, ctime_ns) of the file as indexed with ``hash``; a file that no
    # longer matches is exported under this label only when its bytes still hash as
    # indexed (None: unchecked)
    indexed_stat: IndexedStat | None = None
    # Does the model's judgement of the label (flagged, label quality) apply? Not where a
    # version's label is not today's: the model judged today's.
    label_judged: bool = True
    status: str | None = None  # verified / excluded, as the state holds it; None: neither
    # Labeled without a split of its own: ``split`` is the train it counts in (written
    # there; the manifest says it had none, so reading the export back gives it none)
    split_implied: bool = False

    @property
    def read_from(self) -> str:
        """The file's path (relative to the image root) to read its bytes from."""
        return self.source if self.source is not None else self.path


def export_classes(project: Project, options: ExportOptions) -> list[str]:
    """The classes an export lists (a class map and a version applied), in order: what a
    format that names its classes (a ClassLabel, a labeling config) writes."""
    return list(options.classes) if options.classes else project.classes()


Writer = Callable[
    ["Project", list[Item], Path, ExportOptions, ProgressCallback, CancelToken, ExportReport],
    None,
]
EXPORTERS: Registry[Writer] = Registry("export format")
register_exporter = EXPORTERS.register


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
            with out:
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


def _formats(project: Project, items: list[Item], reads: frozenset[str]) -> dict[str, str]:
    """content hash -> format, of the items whose names need one (usually none)."""
    from labeldesk.core.image_rows import formats_by_hash

    hashes = [i.hash for i in items if i.hash and needs_format(i.path, reads)]
    return formats_by_hash(project.db, hashes) if hashes else {}


class SkipItem(Exception):
    """This one image cannot be exported; the rest can (the reason says why)."""


CHANGED_SINCE_INDEXED = "its file changed since it was indexed (rescan the project)"
GONE_SINCE_INDEXED = (
    "its file is gone since it was indexed: moved, renamed or deleted (rescan the project: "
    "a file moved or renamed is then found and exported)"
)


def failed_row(item: Item, exc: SkipItem | OSError) -> dict[str, Any]:
    """``report.failed``'s entry for ``item``: its path, why, and what the export meant
    to write (content ``hash``, ``label``, ``split``, ``status``, as ``missing`` does),
    so the state it could not write is said. A file indexed and not found now was
    moved, renamed or deleted since the last scan: a scan finds a moved one again."""
    if isinstance(exc, FileNotFoundError) and item.indexed_stat is not None:
        reason = GONE_SINCE_INDEXED
    else:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    split = None if item.split == UNASSIGNED else item.split
    return {"path": item.path, "reason": reason, "hash": item.hash, "label": item.label,
            "split": split, "status": item.status}  # fmt: skip


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


# Errors that say something is wrong with one source image, not with the export.
# What symlink() says where the disk holds none: FAT and exFAT on Linux EPERM, through
# FUSE ENOSYS, other file systems and shares EOPNOTSUPP
_NO_SYMLINKS = (errno.EPERM, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP)


def no_symlinks(where: Path) -> str:
    return (
        f"nothing was exported: the disk at {where} cannot hold symbolic links (FAT and "
        "exFAT drives such as most USB sticks, some network shares); export without "
        "--symlink to copy the images there, or to a disk that holds links"
    )


_ITEM_ERRNOS = (errno.ENOENT, errno.EACCES, errno.EPERM, errno.EISDIR, errno.ELOOP, errno.EINVAL)


IMAGES = "images"


def image_folder(item: Item) -> str:
    """images/<the image's folder in the project>, where a format keeps its images
    beside a manifest: names stay unique, and the path in the manifest ends with the
    project's path, so importing the manifest back finds each image by path suffix."""
    return posixpath.join(IMAGES, posixpath.dirname(item.path)).rstrip("/")


def copy_images(
    project: Project,
    items: list[Item],
    out: Path,
    options: ExportOptions,
    progress: ProgressCallback,
    cancel: CancelToken,
    report: ExportReport,
    folder_of: Callable[[Item], str],
    *,
    all_paths: bool = False,
    typed: bool = False,
    gif_as_png: bool = False,
) -> Iterator[tuple[Item, str]]:
    """Place every item under ``out/<folder_of(item)>/``; yield (item, its path in out).

    A file renamed (shortened or made unique) is recorded in ``report.renamed``; with
    ``all_paths`` (a layout such as ``<split>/<class>/`` that drops the project's
    folders) so is every file not at its project path, so that the export read back
    leads each file to its image. ``typed``: for a layout that tools read by extension,
    a file whose name has none they know gets its format's (:func:`typed_path`), never
    taking the name of another image in its folder; ``gif_as_png`` (with ``typed``, for
    torchvision, which reads no ``.gif``): a GIF is written as a PNG of its first frame
    (``a.gif``: ``a.png``), listed in ``report.gif_as_png``. A labeled image without a
    split of its own is listed in ``report.split_implied``. An image that vanished or
    cannot be read is recorded in ``report.failed`` and left out; any other error (a full
    disk) ends the export."""
    used: set[str] = set()  # fold_path of the names given
    cache = PlaceCache.of(project)
    reads = TORCHVISION_READS if gif_as_png else READ_BY_EXTENSION
    formats = _formats(project, items, reads) if typed else {}
    # each folder spelt as first met (Cat/ and cat/ are one on Windows and macOS), a name
    # the destination cannot hold made safe (export_portable)
    folders = PortableFolders(options.unwritable)
    # the names images keep as they are: one given an extension must not take them
    own = (
        {fold_path(posixpath.join(folder_of(i), posixpath.basename(i.path))) for i in items}
        if formats
        else set()
    )
    for done, item in enumerate(items, start=1):
        if cancel.cancelled:
            raise Cancelled(EXPORT_CANCELLED)
        fmt = formats.get(item.hash or "")
        convert = gif_as_png and fmt == "GIF"
        name = png_name(item.path) if convert else typed_path(item.path, fmt, reads)
        name = folders.file(name, item.path)
        avoid = own if name != item.path else set()
        folder = folders.folder(folder_of(item))
        rel = claim(used, folder, name, avoid)
        try:
            while True:
                try:
                    place(
                        project,
                        item.read_from,
                        out / rel,
                        options.link,
                        cache,
                        out,
                        indexed_stat=item.indexed_stat,
                        content=item.hash,
                        first_frame=convert,
                    )
                    break
                except FileExistsError:
                    if not os.path.lexists(out / rel):
                        raise  # not the file's name (a file where a folder goes)
                    # a format renamed a file to this name: take another
                    rel = claim(used, folder, name, avoid)
        except SkipItem as exc:
            report.failed.append(failed_row(item, exc))
            continue
        except OSError as exc:
            if exc.errno not in _ITEM_ERRNOS or not _source_problem(project, item, exc):
                raise
            report.failed.append(failed_row(item, exc))
            continue
        if rel != posixpath.join(folder_of(item), posixpath.basename(item.path)) or (
            all_paths and rel != item.path
        ):
            report.renamed[rel] = item.path
        if item.hash:
            report.exported_hashes[rel] = item.hash
        if item.split_implied:
            report.split_implied.add(rel)
        if convert:
            report.gif_as_png.append(rel)
        yield item, rel
        if done % 200 == 0 or done == len(items):
            progress(Progress(done, len(items), "exporting"))
    record_relinked(project, cache)


def _source_problem(project: Project, item: Item, exc: OSError) -> bool:
    """Did ``exc`` come from reading the source image (not from writing the export)?"""
    return exc.filename is None or Path(exc.filename) == project.image_path(item.read_from)
