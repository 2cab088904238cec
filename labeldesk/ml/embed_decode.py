"""Decoding for the embedding runner (:mod:`labeldesk.ml.embed`): which file gives an
image's pixels (the cached thumbnail when it is big enough and decodes, else the
original, checked against the scan), and decoding upcoming batches in worker processes
or threads while the model runs on the current one.

Everything here takes and returns picklable values (:class:`ImageFiles`, not the
project), so the spawned decode processes import only this module and its helpers.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from labeldesk.core.indexed_files import (
    hash_file,
    racy_change_time,
    stat_matches,
    thumbnail_path,
)

from .backbones import Preprocess
from .decode_pool import Decode, DecodePool
from .device import spare_cores
from .preprocess import prepare_into

if TYPE_CHECKING:
    from labeldesk.core.project import Project

log = logging.getLogger(__name__)
PREFETCH_BATCHES = 2
DECODE_THREADS = 2  # where worker processes cannot be had (a daemonic process)
PROCESS_POOL_MIN_BATCHES = 16  # fewer: starting processes (~0.5 s) costs more than it saves


@dataclass(frozen=True)
class ImageFiles:
    """Where a project's images and thumbnails are: all that decoding needs of it, and
    picklable, so worker processes can decode (the project's database stays here)."""

    root: Path
    thumbs_dir: Path

    def image_path(self, rel: str) -> Path:
        return self.root / rel


Batch = tuple[list[str], np.ndarray, list[dict[str, str]]]
# (content hash, path[, the image's short side in pixels (0 when unknown), and the file's
# size, mtime_ns and ctime_ns (None: not recorded) when it was scanned])
Item = tuple[str, str] | tuple[str, str, int, int, int, int | None]
# (PROJECT: the command line puts the project as typed, the app its menu, the API its call)
CHANGED = "changed since the last scan; run `labeldesk scan PROJECT`"
# its file gone: deleted or moved (a drive unplugged leaves every file of it so)
MISSING_FILE = "its file is not there: moved or deleted since the last scan"
MISSING = (
    f"{MISSING_FILE} (on a drive that is not plugged in: plug it in; "
    "else run `labeldesk scan PROJECT`)"
)


class ChangedSinceScan(Exception):
    """The original file is not what the index's content hash describes."""


def _short_side(row: Any) -> int:
    width, height = row["width"], row["height"]
    return min(width, height) if width and height else 0


def decode_workers() -> int:
    """The decode worker processes of a long run (:func:`~.device.spare_cores`)."""
    return spare_cores()


def _uses_processes(batches: int) -> bool:
    return batches >= PROCESS_POOL_MIN_BATCHES and not multiprocessing.current_process().daemon


def _pool_width(batches: int) -> int:
    """How many decodes :func:`_decode_pool` runs at once for a run of ``batches``."""
    return decode_workers() if _uses_processes(batches) else DECODE_THREADS


def _decode_pool(batches: int) -> DecodePool:
    """Worker processes for decoding, so it never holds the GIL the runtime's callbacks
    need; threads in a daemonic process, which may not start children (the app's job
    child lifts that: :mod:`labeldesk.ml.child_jobs`), and for runs too short to repay
    starting processes."""
    processes = _uses_processes(batches)
    return DecodePool(_pool_width(batches), processes=processes)


def _prefetch(
    pool: DecodePool,
    files: ImageFiles,
    items: Sequence[Item],
    batch_size: int,
    pre: Preprocess,
    parts: int = 1,
) -> Iterator[Batch]:
    """Decode upcoming batches in workers while the caller runs the model on this one.

    Each batch is decoded in up to ``parts`` pieces (one per worker of the pool), so a
    wide pool decodes every batch with all its workers: with one piece per batch only
    PREFETCH_BATCHES workers were ever busy, and on a GPU machine (16 cores, batch 128)
    `labeldesk embed` ran at a tenth of the model's speed (benchmarks/bench_embed.py)."""
    chunks = [items[i : i + batch_size] for i in range(0, len(items), batch_size)]
    piece = max(1, -(-batch_size // max(1, parts)))  # ceil: at most ``parts`` pieces

    def submit(chunk: Sequence[Item]) -> list[Decode[Batch]]:
        return [
            pool.submit(_load_batch, files, chunk[i : i + piece], pre)
            for i in range(0, len(chunk), piece)
        ]

    queue: deque[list[Decode[Batch]]] = deque(submit(c) for c in chunks[:PREFETCH_BATCHES])
    next_chunk = PREFETCH_BATCHES
    while queue:
        pieces = queue.popleft()
        if next_chunk < len(chunks):  # queued before waiting: the workers never idle
            queue.append(submit(chunks[next_chunk]))
            next_chunk += 1
        yield _joined([piece.result() for piece in pieces])


def _joined(pieces: list[Batch]) -> Batch:
    """One batch from the pieces of it that workers decoded, in their order."""
    if len(pieces) == 1:
        return pieces[0]
    hashes = [digest for piece in pieces for digest in piece[0]]
    pixels = np.concatenate([piece[1] for piece in pieces])
    return hashes, pixels, [failure for piece in pieces for failure in piece[2]]


def _load_batch(
    project: Project | ImageFiles,
    chunk: Sequence[Item],
    pre: Preprocess,
    *,
    check_content: bool = False,
    originals: bool = False,
    changed: str = CHANGED,
) -> Batch:
    """Pixels of each item, from :func:`source_image` or with ``originals`` from the
    original. An original whose size or mtime is not the scan's is left out (listed with
    the reason ``changed``), and with ``check_content`` one whose content is no longer
    ``hash`` (a thumbnail is named by the content it shows, so it needs no check)."""
    hashes: list[str] = []
    failed: list[dict[str, str]] = []
    pixels = np.empty((len(chunk), pre.size, pre.size, 3), np.uint8)
    for item in chunk:
        digest, path = item[0], item[1]
        try:
            source = (
                project.image_path(path)
                if originals
                else source_image(project, digest, path, pre.size, short_side=_known(item))
            )
            row = pixels[len(hashes)]
            if source.parent.parent != project.thumbs_dir or not _from_thumbnail(source, pre, row):
                source = project.image_path(path)
                if not unchanged_since_scan(source, item, check_content=check_content):
                    raise ChangedSinceScan(changed)
                prepare_into(source, pre, row)
            hashes.append(digest)
        except ChangedSinceScan as exc:
            failed.append({"path": path, "reason": str(exc)})
        except FileNotFoundError:
            failed.append({"path": path, "reason": MISSING})
        except Exception as exc:
            failed.append({"path": path, "reason": f"{type(exc).__name__}: {exc}"})
    return hashes, pixels[: len(hashes)], failed


def _from_thumbnail(thumb: Path, pre: Preprocess, out: np.ndarray) -> bool:
    """Decode the cached thumbnail into ``out``; False when it does not decode fully (cut
    short by a full disk, damaged): the original is read instead, and the broken file is
    deleted so the next request for it (:meth:`Project.thumbnail`) makes it again."""
    try:
        prepare_into(thumb, pre, out)
        return True
    except Exception as exc:  # any failure of a cache file means: use the original
        log.warning("thumbnail %s cannot be decoded (%s); reading the original", thumb, exc)
    with contextlib.suppress(OSError):  # a read-only cache: the original is read each time
        thumb.unlink(missing_ok=True)
    return False


def _known(item: Item) -> int:
    return item[2] if len(item) > 2 else 0


def unchanged_since_scan(source: Path, item: Item, *, check_content: bool = False) -> bool:
    """Whether the original ``source`` still holds the content ``item``'s hash names, as
    far as one stat tells (:func:`_as_scanned`), reading its bytes only when that cannot
    tell (or with ``check_content``). Fine-tuning reads originals by the same rule
    (:func:`recheck_since_scan`)."""
    as_scanned = _as_scanned(source.stat(), item) if len(item) >= 6 else True
    if as_scanned is False:
        return False
    return not ((as_scanned is None or check_content) and hash_file(source) != item[0])


def recheck_since_scan(source: Path, item: Item) -> Item | None:
    """:func:`unchanged_since_scan` for a file one run reads again and again (each epoch
    of a fine-tune): None when it changed since the scan, else the item to check it by
    the next time. A file whose change time alone moved (a folder copied with new change
    times) has its bytes hashed once: when they are the content the scan hashed, the item
    returned holds the change time seen before that read, so each later read is one
    stat again; any write since moves that time. Not a change time in whole seconds that
    is this recent (:func:`_racy_change_time`): a rewrite within its second would keep
    it, so such a file is hashed at each read, as the next scan hashes it. The project's
    index is left as it is (a scan records what it proved)."""
    if len(item) < 6:
        return item
    started = time.time()
    st = source.stat()
    as_scanned = _as_scanned(st, item)
    if as_scanned is not None:
        return item if as_scanned else None
    if hash_file(source) != item[0]:
        return None
    if _racy_change_time(st.st_ctime_ns, started, time.time()):
        return item
    return (item[0], item[1], item[2], item[3], item[4], st.st_ctime_ns)


def _racy_change_time(ctime_ns: int, started: float, now: float) -> bool:
    """Whether a change time read between ``started`` and ``now`` may not move on a
    rewrite: whole seconds (a coarse clock) within the scan's racy span of the read
    (:data:`labeldesk.core.scanner.RACY_SECONDS`)."""
    from labeldesk.core.scanner import RACY_SECONDS

    return racy_change_time(ctime_ns, started, now, RACY_SECONDS)  # the scan's own rule


def _as_scanned(st: os.stat_result, item: Item) -> bool | None:
    """Whether the original (``st``: one stat of it) is still as the scan saw it: False
    when its size or mtime differs (its pixels may not be the content ``item``'s hash
    names, and a vector stored under that hash would be wrong for every duplicate of it);
    None when only its change time moved (a rename, a swap of two files of one size and
    time, or new permissions or another hard link: its bytes decide); True otherwise."""
    if len(item) < 6:
        return True
    if not stat_matches(st, (item[3], item[4], None)):
        return False
    return stat_matches(st, (item[3], item[4], item[5])) or None


def source_image(
    project: Project | ImageFiles, digest: str, rel: str, size: int, *, short_side: int = 0
) -> Path:
    """The cached thumbnail when it is big enough for the model (short side >= ``size``),
    else the original: a 12 MP photo then costs a 300×224 decode, not a full one. An
    image whose ``short_side`` (from the index; 0 = unknown) is below ``size`` has no such
    thumbnail (thumbnails never enlarge), so the original is used without opening one.
    Only the thumbnail's header is read here: one that then fails to decode is replaced
    by the original in :func:`_load_batch`."""
    from PIL import Image

    if 0 < short_side < size:
        return project.image_path(rel)
    thumb = thumbnail_path(project.thumbs_dir, digest)
    try:
        with Image.open(thumb) as img:
            if min(img.size) >= size:
                return thumb
    except OSError:
        pass  # no thumbnail (or a broken one): the original will do
    return project.image_path(rel)
