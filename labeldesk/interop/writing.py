"""The building blocks every export format uses: what is exported (:class:`Item`), the
options and report, the registry of formats, and copying the images of an export under
names that never collide (each file placed safely by :mod:`labeldesk.interop.placing`).

A format is one function of an :class:`ExportRun` registered with
:func:`register_exporter`; it writes into the staging folder
:func:`labeldesk.interop.export.export` gives it (``run.out``) and never has to think
about atomicity, target checks or the manifest.
"""

from __future__ import annotations

import errno
import logging
import os
import posixpath
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labeldesk.core.errors import Cancelled
from labeldesk.core.indexed_files import (
    IndexedStat,
)
from labeldesk.core.progress import CancelToken, Progress, ProgressCallback
from labeldesk.core.registry import Registry
from labeldesk.core.vocab import VERIFIED

from .export_names import (
    READ_BY_EXTENSION,
    TORCHVISION_READS,
    claim,
    needs_format,
    png_name,
    typed_path,
)
from .export_portable import PortableFolders, fold_path
from .placing import GONE_SINCE_INDEXED, PlaceCache, SkipItem, place, record_relinked

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
    # Project paths of labeled images without a split of their own that the format wrote
    # apart from train (FiftyOne: in unassigned/), not as train: per_split counts them
    # as "unassigned", where they are
    kept_apart: set[str] = field(default_factory=set)
    # ImageFolder: files written as a PNG of a GIF's first frame (torchvision reads no .gif)
    gif_as_png: list[str] = field(default_factory=list)
    # val/test images written with a copy in the written train split (export_leaks)
    leakage: dict[str, Any] | None = None
    # --exclude-flagged: the version's images the model's flags of now could not judge
    # (relabeled since, or no longer indexed: it judges today's labels), kept; None
    # without --exclude-flagged
    flags_not_judged: int | None = None

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
            # whose flags --exclude-flagged used: the model's now (a version keeps none)
            "flags": None
            if self.flags_not_judged is None
            else {"judged": "now", "not_judged": self.flags_not_judged},
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


def verified_label(item: Item) -> str | None:
    """The label a verified image was verified with, which every export that writes
    statuses writes beside ``verified`` (:mod:`labeldesk.core.label_status`: a label
    another tool changes since comes back unverified); None for any other image."""
    return item.label if item.status == VERIFIED else None


def export_classes(project: Project, options: ExportOptions) -> list[str]:
    """The classes an export lists (a class map and a version applied), in order: what a
    format that names its classes (a ClassLabel, a labeling config) writes. With a class
    map or a version, none is none (a map that drops every class; before, that read as
    "not given", and the project's classes now were listed)."""
    if options.classes or options.class_map or options.version is not None:
        return list(options.classes)
    return project.classes()


@dataclass(frozen=True)
class ExportRun:
    """What a format's writer is given, as one argument: the project, the images chosen
    (:class:`Item`), the staging folder ``out`` to write into, the options (with the
    classes and class map as applied), the export's progress and cancel, and the report
    it fills in (failed images, renamed files, …)."""

    project: Project
    items: list[Item]
    out: Path
    options: ExportOptions
    progress: ProgressCallback
    cancel: CancelToken
    report: ExportReport


Writer = Callable[[ExportRun], None]
EXPORTERS: Registry[Writer] = Registry("export format")
register_exporter = EXPORTERS.register


def _formats(project: Project, items: list[Item], reads: frozenset[str]) -> dict[str, str]:
    """content hash -> format, of the items whose names need one (usually none)."""
    from labeldesk.core.image_rows import formats_by_hash

    hashes = [i.hash for i in items if i.hash and needs_format(i.path, reads)]
    return formats_by_hash(project.db, hashes) if hashes else {}


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


# Errors that say something is wrong with one source image, not with the export.
_ITEM_ERRNOS = (errno.ENOENT, errno.EACCES, errno.EPERM, errno.EISDIR, errno.ELOOP, errno.EINVAL)


IMAGES = "images"


def image_folder(item: Item) -> str:
    """images/<the image's folder in the project>, where a format keeps its images
    beside a manifest: names stay unique, and the path in the manifest ends with the
    project's path, so importing the manifest back finds each image by path suffix."""
    return posixpath.join(IMAGES, posixpath.dirname(item.path)).rstrip("/")


def copy_images(
    run: ExportRun,
    folder_of: Callable[[Item], str],
    *,
    all_paths: bool = False,
    typed: bool = False,
    gif_as_png: bool = False,
) -> Iterator[tuple[Item, str]]:
    """Place every item of ``run`` under ``out/<folder_of(item)>/`` (in the order of
    ``run.items``); yield (item, its path in out).

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
    project, items, out, report = run.project, run.items, run.out, run.report
    used: set[str] = set()  # fold_path of the names given
    cache = PlaceCache.of(project)
    reads = TORCHVISION_READS if gif_as_png else READ_BY_EXTENSION
    formats = _formats(project, items, reads) if typed else {}
    # each folder spelt as first met (Cat/ and cat/ are one on Windows and macOS), a name
    # the destination cannot hold made safe (export_portable)
    folders = PortableFolders(run.options.unwritable)
    # the names images keep as they are: one given an extension must not take them
    own = (
        {fold_path(posixpath.join(folder_of(i), posixpath.basename(i.path))) for i in items}
        if formats
        else set()
    )
    for done, item in enumerate(items, start=1):
        if run.cancel.cancelled:
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
                        run.options.link,
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
            run.progress(Progress(done, len(items), "exporting"))
    record_relinked(project, cache)


def _source_problem(project: Project, item: Item, exc: OSError) -> bool:
    """Did ``exc`` come from reading the source image (not from writing the export)?"""
    return exc.filename is None or Path(exc.filename) == project.image_path(item.read_from)
