"""Near-duplicate pairs from perceptual hashes alone, for when no embeddings exist yet.

Split making must keep a resized or re-encoded copy on the same side as its original
before the project was ever embedded, so the pairs cannot come from the kNN graph
(:mod:`labeldesk.ml.duplicates`). They come from the 64-bit perceptual hashes the scan
stores: two hashes at most ``max_distance`` (4) bits apart agree exactly on at least one
of five 13-bit pieces (pigeonhole), so sorting the images by each piece, then by the
whole hash, puts every such pair in one run; within a run each image is compared with
the next :data:`WINDOW` ones. That makes the search linear (5 x WINDOW vectorised passes)
instead of quadratic; the price is that in a run of more than WINDOW near-identical
hashes (tiny plain images: a run of look-alike pullovers) a copy can be missed, which is
why the embeddings' groups are used too once they exist.

A candidate pair is kept only if the thumbnails pass the same pixel check the duplicate
finder uses (:func:`~labeldesk.ml.duplicates.pixel_difference`): low-entropy images share
hashes without being copies, and joining them would glue a class into one group.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from labeldesk.core.progress import CancelToken

from .duplicates import DEFAULT_HASH_DISTANCE, DEFAULT_PIXEL_DIFFERENCE

if TYPE_CHECKING:
    from labeldesk.core.project import Project

PIECES = ((0, 13), (13, 13), (26, 13), (39, 13), (52, 12))  # (first bit, bits): 5 pieces
WINDOW = 8  # images compared with each one in a run of equal pieces
BATCH = 4096  # candidate pairs between two cancel checks


def hash_candidates(
    phashes: Sequence[int] | np.ndarray, max_distance: int = DEFAULT_HASH_DISTANCE
) -> np.ndarray:
    """``(k, 3)`` rows ``(i, j, bits apart)`` with i < j: pairs of positions whose hashes
    are at most ``max_distance`` bits apart (see the module docstring for which pairs a
    long run of look-alikes can leave out), closest first. Negative numbers are read as
    the 64-bit patterns SQLite stores them as."""
    if max_distance >= len(PIECES):
        raise ValueError(f"max_distance must be below {len(PIECES)} for the piece search")
    values = np.asarray(phashes, dtype=np.int64).view(np.uint64)
    n = len(values)
    if n < 2:
        return np.zeros((0, 3), dtype=np.int64)
    found = []
    for first, bits in PIECES:
        piece = (values >> np.uint64(first)) & np.uint64((1 << bits) - 1)
        order = np.lexsort((values, piece))
        keys, sorted_values = piece[order], values[order]
        for step in range(1, min(WINDOW, n - 1) + 1):
            apart = np.bitwise_count(sorted_values[:-step] ^ sorted_values[step:])
            near = (keys[:-step] == keys[step:]) & (apart <= max_distance)
            a, b = order[:-step][near], order[step:][near]
            found.append(np.stack([np.minimum(a, b), np.maximum(a, b), apart[near]], axis=1))
    pairs = np.unique(np.concatenate(found).astype(np.int64), axis=0)
    return pairs[np.lexsort((pairs[:, 1], pairs[:, 0], pairs[:, 2]))]


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
    from .duplicates import _Thumbnails  # the duplicate finder's thumbnail cache

    cancel = cancel or CancelToken()
    known = [i for i, h in enumerate(phashes) if h is not None]
    candidates = hash_candidates([int(phashes[i] or 0) for i in known], max_distance)
    pixels = _Thumbnails(project)
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
