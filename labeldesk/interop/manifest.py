"""The export manifest: what an export holds, from which label state, and every file's
SHA-256, written last into the export folder.

Deterministic on purpose: the same state and options write the same bytes, manifest
included, so two exports can be compared with ``diff -r`` or a checksum, and a dataset
can be named by the digest of its manifest. That is why the manifest holds no time (the
folder's own modification time says when it was written; before manifest version 2 it
held ``exported_at``), keys are sorted and files are listed in path order. What it
records: the label state (the newest label event's id, or the version's), the version and
the ``--since`` version when used, the options that choose the images, the classes, what
was left out and why, the splits made, each image file's content hash as indexed
(``image_hashes``, BLAKE2b-128: what leads a row read back to its picture), and per
file its path, size and SHA-256. A symbolic link is listed with its target instead of
a hash (its target is the source image, which the export did not write).
:mod:`labeldesk.interop.export_target` reads it back to decide whether a folder may be
replaced.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from functools import partial
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from labeldesk.core.durable import sync_files, sync_folders, sync_open_file
from labeldesk.core.errors import Cancelled
from labeldesk.core.file_kinds import NotRegularFile, open_regular
from labeldesk.core.indexed_files import content_hasher
from labeldesk.core.progress import CancelToken, Progress, ProgressCallback
from labeldesk.core.staging import MARKER as STAGING_MARKER

from .export_target import MANIFEST, contents
from .writing import EXPORT_CANCELLED, ExportOptions, ExportReport

if TYPE_CHECKING:
    from labeldesk.core.project import Project

MANIFEST_VERSION = 2
# The options that decide which images, labels and splits are written (not how: copy or
# link, overwrite), recorded so that the manifest says how to write the export again.
CHOOSING = (
    "include_excluded", "include_flagged", "include_unlabeled", "include_unverified",
    "class_map", "version", "since", "make_splits", "seed",
)  # fmt: skip
# Not part of the export: the manifest itself, and the staging marker (still there while
# the files are hashed, so that a run killed meanwhile is cleaned up by the next one).
LEFT_OUT = (MANIFEST, STAGING_MARKER)
HASH_BATCH = 256  # files per hashing task
HASHING = "hashing the exported files"  # a phase counting files: {"unit": "file"}
SYNCING = "syncing the exported files to the disk"  # the same files, after: {"unit": "file"}
HASH_THREADS = 4  # hashing is reading: a few threads keep a disk (or an SSD's queue) busy
_T = TypeVar("_T")


def write_manifest(
    project: Project,
    folder: Path,
    fmt: str,
    options: ExportOptions,
    report: ExportReport,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> None:
    """Hash every file in ``folder`` and write the manifest beside them; every file,
    the manifest last, and every folder is synced to the disk (fsync) on the way, so
    that once the folder is renamed into place the export survives a power cut whole:
    without it, one could come back with empty or cut files that its manifest lists."""
    chosen = {k: v for k, v in asdict(options).items() if k in CHOOSING}
    manifest = {
        "manifest_version": MANIFEST_VERSION,
        "format": fmt,
        "project": str(project.path),
        "image_root": str(project.root),
        "label_event_id": report.label_event_id,
        "version": report.version,
        "since": report.since,
        "gone_since": report.gone_since,
        "options": chosen,
        "images": report.written,
        "per_split": dict(sorted(report.per_split.items())),
        # files of images without a split written among a split's images: Hugging Face's
        # train/_unlabeled, and labeled images without one, written as train (every format)
        "no_split": sorted(report.no_split.keys() | report.split_implied),
        "gif_as_png": sorted(report.gif_as_png),  # ImageFolder: GIFs' first frames as PNG
        "classes": list(options.classes),
        "left_out": report.left_out,
        "missing": report.missing,
        "failed": report.failed,
        "made_splits": report.made_splits,
        # (keys sorted as the document is written: no sorted copy of a million entries)
        "renamed": report.renamed,
        "image_hashes": report.exported_hashes,
        "contents": contents(folder, LEFT_OUT),
    }
    if report.made_splits is not None:
        # the split --make-splits gave each image (by its path in the state written; the
        # images that failed included): what `version verify` checks the files against
        manifest["made_split_of"] = report.made_split_of
    # each file's entry kept as the text the manifest holds (not as a dict: a third of
    # the memory), and the document written as it is made: a million images' manifest
    # held as one text (and json.dumps's pieces of it beforehand) took gigabytes
    folders: list[str] = []
    files = _hashed(
        folder, progress, cancel, frozenset(), EXPORT_CANCELLED, _entry_text,
        folders=folders, sync=True,
    )  # fmt: skip
    sync_folders(folders[1:])  # the folders the format made (their entries)
    with open(folder / MANIFEST, "w", encoding="utf-8") as out:
        _write_document(out, manifest, files)
        out.flush()
        sync_open_file(out.fileno(), folder / MANIFEST)
    sync_folders([folder])  # last: its entries, the manifest's among them


_ENCODER = json.JSONEncoder(indent=2, sort_keys=True, default=list)
WRITE_PIECES = 10_000  # the encoder's pieces (or files' entries) joined into one write
_LEVEL = "  "  # one level of json.dumps's indent=2


def _entry_text(entry: dict[str, Any]) -> str:
    """A file's entry as the manifest's list of files holds it (two levels deep)."""
    return _ENCODER.encode(entry).replace("\n", "\n" + _LEVEL * 2)


def _write_document(out: TextIO, fields: dict[str, Any], files: list[str]) -> None:
    """``fields`` with ``"files": [...]`` (entries as :func:`_entry_text` wrote them), as
    ``json.dumps(indent=2, sort_keys=True, default=list)`` writes the dict of both, and a
    line break, in pieces. (A JSON text holds no raw line break: every one in a value's
    text is the indent's, so a value is put a level deeper by indenting each.)"""
    keys = sorted([*fields, "files"])
    for n, key in enumerate(keys):
        out.write(("{" if n == 0 else ",") + "\n" + _LEVEL + json.dumps(key) + ": ")
        if key == "files":
            _write_list(out, files)
            continue
        pieces = _ENCODER.iterencode(fields[key])
        while batch := list(islice(pieces, WRITE_PIECES)):
            out.write("".join(batch).replace("\n", "\n" + _LEVEL))
    out.write("\n}\n")


def _write_list(out: TextIO, texts: list[str]) -> None:
    """A list one level deep whose items' texts are ``texts``."""
    if not texts:
        out.write("[]")
        return
    inner = "\n" + _LEVEL * 2
    for start in range(0, len(texts), WRITE_PIECES):
        out.write(("[" if start == 0 else ",") + inner)
        out.write(("," + inner).join(texts[start : start + WRITE_PIECES]))
    out.write("\n" + _LEVEL + "]")


def file_hashes(
    folder: Path,
    progress: ProgressCallback,
    cancel: CancelToken,
    content: Collection[str] = frozenset(),
    cancelled: str = EXPORT_CANCELLED,
    known: Mapping[str, dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """``{"path", "size", "sha256"}`` of every file under ``folder`` (links: ``{"path",
    "link"}``), sorted by path; the manifest and the staging marker left out. The files
    named in ``content`` (images) also get ``"content"``, the content hash of their bytes
    as a scan takes it, from the same read. ``cancelled``: what :class:`Cancelled` says
    when ``cancel`` stops it (the work that hashes: an export, a verify). ``known``: the
    descriptions of files read already (a verify's WebDataset shards), not read again.
    A FIFO or other special file is not opened (``{"path", "kind"}``), and a file that
    cannot be read is ``{"path", "unreadable": why}``."""
    return _hashed(folder, progress, cancel, content, cancelled, _same, known, unreadable=True)


def _same(entry: _T) -> _T:
    return entry


def _hashed(
    folder: Path,
    progress: ProgressCallback,
    cancel: CancelToken,
    content: Collection[str],
    cancelled: str,
    kept: Callable[[dict[str, Any]], _T],
    known: Mapping[str, dict[str, Any]] | None = None,
    *,
    unreadable: bool = False,
    folders: list[str] | None = None,
    sync: bool = False,
) -> list[_T]:
    """:func:`file_hashes`, each entry kept as ``kept`` makes it (in the hashing threads,
    as each batch is hashed). ``folders``: filled with every folder walked, ``folder``
    first; ``sync``: each file hashed is then synced to the disk (fsync; not a hard
    link to an image, whose bytes were not written here), not the whole system's
    (os.sync), in a phase of its own that reports progress and heeds ``cancel``."""
    paths = sorted(_files(folder, folders))
    found: list[_T] = []
    # Batches, not one task per file: for 100k small images the executor's own
    # bookkeeping (a future and two lock waits each) cost more than the hashing.
    batches = [paths[i : i + HASH_BATCH] for i in range(0, len(paths), HASH_BATCH)]
    base = str(folder)
    with ThreadPoolExecutor(HASH_THREADS) as pool:
        describe = partial(
            _describe, base, content=content, known=known or {}, unreadable=unreadable
        )
        for batch in pool.map(lambda rels: [kept(describe(rel)) for rel in rels], batches):
            if cancel.cancelled:
                pool.shutdown(cancel_futures=True)
                raise Cancelled(cancelled)
            found += batch
            progress(Progress(len(found), len(paths), HASHING, {"unit": "file"}))
    if sync:
        try:
            sync_files(
                [os.path.join(base, rel) for rel in paths],
                own_only=True, progress=progress, cancel=cancel, phase=SYNCING,
            )  # fmt: skip
        except Cancelled:
            raise Cancelled(cancelled) from None
    return found


def _files(folder: Path, folders: list[str] | None = None) -> list[str]:
    """The files under ``folder`` (links to folders included), as relative paths;
    ``folders``: filled with the folders walked (not links), ``folder`` first."""
    out = []
    for parent, dirs, files in os.walk(folder):
        if folders is not None:
            folders.append(parent)
        rel = os.path.relpath(parent, folder)
        prefix = "" if rel == "." else rel.replace(os.sep, "/") + "/"
        links = [d for d in dirs if os.path.islink(os.path.join(parent, d))]
        out += [prefix + name for name in files + links]
    return [p for p in out if p not in LEFT_OUT]


def _describe(
    folder: str,
    rel: str,
    content: Collection[str] = (),
    known: Mapping[str, dict[str, Any]] | None = None,
    unreadable: bool = False,
) -> dict[str, Any]:
    """A file's entry (see :func:`file_hashes`): ``{"path", "kind"}`` for a FIFO or other
    special file, not opened; with ``unreadable``, ``{"path", "unreadable": why}`` for a
    file that cannot be read (else the error is raised)."""
    path = os.path.join(folder, rel)
    if known and rel in known and not os.path.islink(path):
        return dict(known[rel])
    if os.path.islink(path):
        return {"path": rel, "link": os.readlink(path)}
    digest = hashlib.sha256()
    image = content_hasher() if rel in content else None
    try:
        f = open_regular(path)
    except NotRegularFile as exc:  # (a FIFO someone made in an export: it would block)
        return {"path": rel, "kind": exc.kind}
    except OSError as exc:
        if not unreadable:
            raise
        return {"path": rel, "unreadable": exc.strerror or str(exc)}
    with f:
        size = os.fstat(f.fileno()).st_size
        try:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
                if image is not None:
                    image.update(chunk)
        except OSError as exc:  # (a disk error part-way)
            if not unreadable:
                raise
            return {"path": rel, "unreadable": exc.strerror or str(exc)}
    found = {"path": rel, "size": size, "sha256": digest.hexdigest()}
    if image is not None:
        found["content"] = image.hexdigest()
    return found
