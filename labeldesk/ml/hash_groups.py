"""Near-duplicate pairs from perceptual hashes alone, for when no embeddings exist yet.

Split making must keep a resized or re-encoded copy on the same side as its original
before the project was ever embedded, so the pairs cannot come from the kNN graph
(:mod:`labeldesk.ml.duplicates`). They come from the 64-bit perceptual hashes the scan
stores: two hashes at most ``max_distance`` (4) bits apart agree exactly on at least one
of five 13-bit pieces (pigeonhole), so sorting the images by each piece puts every such
pair in one bucket of equal pieces, and within a bucket every pair is compared. Random
hashes fill 8,192 buckets a piece evenly (~120 images each at 1M: ~4·10^8 comparisons
in vectorised passes, ~8 s on 2 busy cores, instead of 10^12). Only a bucket of more than
:data:`BUCKET_MAX` images (tiny plain images: a crowd of look-alike pullovers) is sorted
by the whole hash and each of its images compared with the next :data:`WINDOW` ones,
which keeps the search bounded; there a copy can be missed, which is why the
embeddings' groups are used too once they exist. (A window over every bucket missed
13% of planted copies at 1M: a pair differing in a high bit lies half a bucket apart.)

A candidate pair is kept only if the thumbnails pass the same pixel check the duplicate
finder uses (:func:`~labeldesk.ml.pixel_match.pixel_difference`): low-entropy images share
hashes without being copies, and joining them would glue a class into one group.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from labeldesk.core.progress import CancelToken

from .near_defaults import DEFAULT_HASH_DISTANCE
from .pixel_match import DEFAULT_PIXEL_DIFFERENCE

if TYPE_CHECKING:
    from labeldesk.core.project import Project

PIECES = ((0, 13), (13, 13), (26, 13), (39, 13), (52, 12))  # (first bit, bits): 5 pieces
BUCKET_MAX = 512  # buckets up to this size are compared all with all
WINDOW = 8  # images compared with each one in a bigger bucket (in whole-hash order)
BATCH = 4096  # candidate pairs between two cancel checks


def hash_candidates(
    phashes: Sequence[int] | np.ndarray, max_distance: int = DEFAULT_HASH_DISTANCE
) -> np.ndarray:
    """``(k, 3)`` rows ``(i, j, bits apart)`` with i < j: pairs of positions whose hashes
    are at most ``max_distance`` bits apart (see the module docstring for which pairs a
    crowd of look-alikes can leave out), closest first. Negative numbers are read as
    the 64-bit patterns SQLite stores them as."""
    if max_distance >= len(PIECES):
        raise ValueError(f"max_distance must be below {len(PIECES)} for the piece search")
    values = np.asarray(phashes, dtype=np.int64).view(np.uint64)
    n = len(values)
    if n < 2:
        return np.zeros((0, 3), dtype=np.int64)
    found = [np.zeros((0, 3), dtype=np.int64)]
    for first, bits in PIECES:
        piece = (values >> np.uint64(first)) & np.uint64((1 << bits) - 1)
        order = np.lexsort((values, piece))
        sorted_values = values[order]
        reach = _partners_after(piece[order])
        at = np.flatnonzero(reach)  # positions compared with the one ``step`` after them
        step = 1
        while len(at):
            apart = np.bitwise_count(sorted_values[at] ^ sorted_values[at + step])
            near = apart <= max_distance
            a, b = order[at[near]], order[at[near] + step]
            found.append(np.stack([np.minimum(a, b), np.maximum(a, b), apart[near]], axis=1))
            step += 1
            at = at[reach[at] >= step]  # still in order: the gathers stay cache-friendly
    pairs = np.unique(np.concatenate(found).astype(np.int64), axis=0)
    return pairs[np.lexsort((pairs[:, 1], pairs[:, 0], pairs[:, 2]))]


def _partners_after(keys: np.ndarray) -> np.ndarray:
    """For each position of sorted ``keys``: how many later positions it is compared with
    (the rest of its bucket of equal keys; at most :data:`WINDOW` in an oversized one)."""
    n = len(keys)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    sizes = np.diff(np.r_[starts, n])
    size_at = np.repeat(sizes, sizes)
    left = size_at - 1 - (np.arange(n) - np.repeat(starts, sizes))
    return np.where(size_at <= BUCKET_MAX, left, np.minimum(left, WINDOW))


def confirmed_pairs(
    project: Project,
    paths: Sequence[str],
    phashes: Sequence[int | None],
    *,
    max_distance: int = DEFAULT_HASH_DISTANCE,
    max_pixel_difference: float = DEFAULT_PIXEL_DIFFERENCE,
    already_joined: object = None,
    cancel: CancelToken | None = None,
) -> list[tuple[int, int]]:
    """Pairs of positions into ``paths`` that are near copies: hashes close (images
    without a hash take no part) and thumbnails alike. ``already_joined(i, j)``, when
    given, skips the pixel check of pairs known to be together already."""
    from .pixel_match import Thumbnails  # the duplicate finder's thumbnail cache

    cancel = cancel or CancelToken()
    known = [i for i, h in enumerate(phashes) if h is not None]
    candidates = hash_candidates([int(phashes[i] or 0) for i in known], max_distance)
    pixels = Thumbnails(project)
    joined = already_joined if callable(already_joined) else None
    pairs = []
    for start in range(0, len(candidates), BATCH):
        cancel.raise_if_cancelled()
        for a, b, _ in candidates[start : start + BATCH].tolist():
            i, j = known[a], known[b]
            if joined is not None and joined(i, j):
                continue
            if pixels.match(paths[i], paths[j], max_pixel_difference):
                pairs.append((i, j))
    return pairs
