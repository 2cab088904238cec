"""The labeled images a fine-tuning run reads, batch by batch, with augmentation.

A file deleted, moved or damaged since the scan must not end a run that may have trained
for minutes: it is left out of its batch and of every later one, and recorded with the
reason, as embedding does (:class:`labeldesk.ml.embed.EmbedReport`'s ``failed``). So is
a file changed since the scan (its size or times not the scan's, and its bytes not the
content hashed then, as embedding checks): its label was given to the picture it held.

On a GPU the next batches are decoded in worker processes while the model trains on this
one (:meth:`TrainingImages.batches`): on an H200 (16 cores) one thread decoded about
1,150 augmented 224-px images a second and 15 threads 858 (Python holds the GIL between
Pillow's calls), while a training step at batch 16 takes 36 ms; worker processes made
an epoch 1.65x faster (benchmarks/RESULTS.md, *On a GPU*). On the CPU the model uses every
core, so decoding stays in the training thread.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .backbones import Preprocess
from .decode_pool import Decode, DecodePool
from .decode_threads import decode_threads

if TYPE_CHECKING:
    from .embed_decode import Item

PREFETCH_BATCHES = 3  # batches decoded ahead while the model trains on one
Read = np.ndarray | str  # an image's pixels, or why it could not be read
# and the scan's record to check its file by the next time (None: not checked)
Got = tuple[Read, "Item | None"]


class TrainingImages:
    """Rows of a fine-tuning run's frame -> model input; ``failed`` holds the rows that
    could not be read (row -> {"path", "reason"}), each tried once.

    Used as a context manager (or :meth:`close` it): the decode workers of a GPU run live
    as long as it. ``workers`` overrides how many (default: :func:`decode_threads` of the
    device: none on the CPU). ``scanned``: each row's file as the scan recorded it (hash,
    name, 0, size, mtime_ns, ctime_ns; None: not checked); one that no longer matches is
    left out as changed since the scan. One whose change time alone moved is hashed the
    first time it is read, not in every epoch (:func:`~.embed_decode.recheck_since_scan`:
    its row then holds the change time its bytes were checked at)."""

    def __init__(
        self,
        paths: list[Path],
        names: list[str],
        workers: int | None = None,
        scanned: list[Item | None] | None = None,
    ) -> None:
        self.paths = paths
        self.names = names  # as the project shows them (relative to the image folder)
        self.scanned = scanned
        self.failed: dict[int, dict[str, str]] = {}
        self.workers = workers
        self._pool: DecodePool | None = None

    def __enter__(self) -> TrainingImages:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the decode workers (queued batches are dropped; pieces being decoded
        finish first)."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def usable(self, rows: np.ndarray) -> np.ndarray:
        """``rows`` without those that already failed."""
        return np.array([r for r in rows if r not in self.failed], dtype=np.int64)

    def batch(
        self,
        rows: np.ndarray,
        pre: Preprocess,
        device: str,
        rng: np.random.Generator | None = None,
    ) -> tuple[Any, np.ndarray]:
        """(tensor, the rows it holds) for ``rows``; augmented when ``rng`` is given. The
        tensor is None when no row could be read."""
        return next(self.batches([rows], pre, device, rng))

    def batches(
        self,
        row_batches: Iterable[np.ndarray],
        pre: Preprocess,
        device: str,
        rng: np.random.Generator | None = None,
    ) -> Iterator[tuple[Any, np.ndarray]]:
        """:meth:`batch` of each of ``row_batches``, in order. With decode workers the
        next PREFETCH_BATCHES are decoded while the caller trains on this one. Each row
        is augmented by its own generator, drawn from ``rng`` in row order, so every batch
        is the same however (and however far ahead) it was decoded. The rows of one call
        are distinct (an epoch), so a failure ahead changes no batch before it."""
        pool = self._decode_pool(device)
        if pool is None:
            for rows in row_batches:
                usable, seeds = self._plan(rows, rng)
                got = read_images(self._files(usable), seeds, pre, self._scanned(usable))
                yield self._collect(usable, got, pre, device)
            return
        upcoming: Iterator[np.ndarray | None] = iter(row_batches)
        pending: deque[tuple[np.ndarray, list[Decode[list[Got]]]]] = deque()
        try:
            while True:
                while len(pending) <= PREFETCH_BATCHES:  # the next one and those ahead
                    ahead = next(upcoming, None)
                    if ahead is None:
                        break
                    pending.append(self._submit(pool, ahead, pre, rng))
                if not pending:
                    return
                usable, pieces = pending.popleft()
                got = [read for piece in pieces for read in piece.result()]
                yield self._collect(usable, got, pre, device)
        finally:  # the caller stopped early (cancelled, failed): drop what is queued
            # (threads; worker processes take their work early and finish it)
            for _, pieces in pending:
                for piece in pieces:
                    piece.cancel()

    def report(self) -> list[dict[str, str]]:
        """The failures, in path order."""
        return sorted(self.failed.values(), key=lambda f: f["path"])

    def _decode_pool(self, device: str) -> DecodePool | None:
        workers = self.workers if self.workers is not None else decode_threads(device)
        if workers <= 1:
            return None
        if self._pool is None:
            self._pool = DecodePool(workers, processes=True)
        return self._pool

    def _plan(
        self, rows: np.ndarray, rng: np.random.Generator | None
    ) -> tuple[np.ndarray, list[int] | None]:
        usable = self.usable(rows)
        seeds = rng.integers(0, 2**63 - 1, size=len(usable)) if rng is not None else None
        return usable, None if seeds is None else [int(s) for s in seeds]

    def _files(self, usable: np.ndarray) -> list[Path]:
        return [self.paths[row] for row in usable]

    def _scanned(self, usable: np.ndarray) -> list[Item | None] | None:
        return None if self.scanned is None else [self.scanned[row] for row in usable]

    def _submit(
        self, pool: DecodePool, rows: np.ndarray, pre: Preprocess, rng: np.random.Generator | None
    ) -> tuple[np.ndarray, list[Decode[list[Got]]]]:
        """Queue one batch, in pieces: the workers share each batch among the batches in
        flight, so the first one is ready soon."""
        usable, seeds = self._plan(rows, rng)
        files, scanned = self._files(usable), self._scanned(usable)
        step = max(1, -(-len(files) // max(1, pool.width // (PREFETCH_BATCHES + 1))))
        futures = [
            pool.submit(
                read_images,
                files[i : i + step],
                seeds and seeds[i : i + step],
                pre,
                scanned and scanned[i : i + step],
            )
            for i in range(0, len(files), step)
        ]
        return usable, futures

    def _collect(
        self, usable: np.ndarray, got: list[Got], pre: Preprocess, device: str
    ) -> tuple[Any, np.ndarray]:
        from .preprocess import to_tensor

        arrays, kept = [], []
        for row, (read, checked) in zip(usable, got, strict=True):
            if self.scanned is not None and checked is not None:
                self.scanned[row] = checked  # a change time found harmless, kept for the run
            if isinstance(read, str):
                self.failed[int(row)] = {"path": self.names[row], "reason": read}
                continue
            arrays.append(read)
            kept.append(row)
        if not arrays:
            return None, np.zeros(0, dtype=np.int64)
        return to_tensor(np.stack(arrays), pre, device), np.array(kept, dtype=np.int64)


def read_images(
    paths: list[Path],
    seeds: list[int] | None,
    pre: Preprocess,
    scanned: list[Item | None] | None = None,
) -> list[Got]:
    """Each image's model input (augmented by its own seed when ``seeds`` is given), or
    why it could not be read (``scanned``: or that it changed since the scan, as
    :class:`TrainingImages` says), with the record to check its file by the next time
    (:func:`~.embed_decode.recheck_since_scan`): one bad file stops nothing. Runs in the
    decode workers."""
    from .embed_decode import CHANGED, MISSING_FILE, recheck_since_scan
    from .preprocess import prepare

    out: list[Got] = []
    for k, path in enumerate(paths):
        item = scanned[k] if scanned is not None else None
        try:
            checked = item if item is None else recheck_since_scan(path, item)
            if item is not None and checked is None:
                out.append((CHANGED, None))
            elif seeds is None:
                out.append((prepare(path, pre), checked))
            else:
                out.append((_augment(path, pre, np.random.default_rng(seeds[k])), checked))
        except FileNotFoundError:  # said as embedding says it, not with the whole path
            out.append((MISSING_FILE, None))
        except Exception as exc:  # unreadable, not an image: PIL/OS errors
            out.append((f"{type(exc).__name__}: {exc}", None))
    return out


def _augment(path: Path, pre: Preprocess, rng: np.random.Generator) -> np.ndarray:
    """Random resized crop (50-100 % of the area, aspect 3/4-4/3) and horizontal flip."""
    from PIL import Image

    from labeldesk.core.imageio import load_rgb

    img = load_rgb(path, draft=(pre.size * 2, pre.size * 2))
    w, h = img.size
    area = w * h * rng.uniform(0.5, 1.0)
    aspect = np.exp(rng.uniform(np.log(3 / 4), np.log(4 / 3)))
    cw, ch = min(w, round(np.sqrt(area * aspect))), min(h, round(np.sqrt(area / aspect)))
    left, top = rng.integers(0, w - cw + 1), rng.integers(0, h - ch + 1)
    img = img.resize(
        (pre.size, pre.size), Image.Resampling.BILINEAR, box=(left, top, left + cw, top + ch)
    )
    if rng.random() < 0.5:
        img = img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return np.array(img, dtype=np.uint8)
