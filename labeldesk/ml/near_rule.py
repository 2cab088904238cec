"""The near-duplicate rule for a candidate pair of a kNN graph (its default thresholds:
:mod:`labeldesk.ml.near_defaults`).

Two images are near duplicates when their embeddings have cosine similarity at or above
a threshold (the pair comes from the kNN graph), their 64-bit perceptual hashes differ in
at most a few bits, and their thumbnails nowhere differ much
(:func:`~labeldesk.ml.pixel_match.pixel_difference`): the embedding finds candidates
fast, the hash drops most look-alikes, and the pixel check drops the rest
(:class:`PairRule`). A picture with more exact copies than a graph row has neighbours
hides its near copies from the graph: :func:`past_copies` searches past them.
"""

from __future__ import annotations

import math
import numbers
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from labeldesk.core.progress import CancelToken

from .pixel_match import Thumbnails

if TYPE_CHECKING:
    from labeldesk.core.project import Project

    from .neighbors import NeighborGraph
    from .store import EmbeddedImages


class PairRule:
    """The near-duplicate rule for two rows of a kNN graph (the module's docstring): both
    images still indexed with the content they were embedded with (found by id among
    ``rows``: the vectors were read before them), perceptual hashes a few bits apart,
    thumbnails alike. Only candidates are ever looked at."""

    def __init__(
        self,
        project: Project,
        ids: np.ndarray,
        hashes: Sequence[str],
        rows: Sequence[Any],
        max_hash_distance: int | None,
        max_pixel_difference: float | None,
    ):
        """``ids``, ``hashes``: the image id and content of each graph row."""
        from labeldesk.core.imageio import hash_distance

        self.distance = hash_distance
        self.rows = rows
        self.position = {int(r["id"]): i for i, r in enumerate(rows)}
        self.vids, self.vhashes = ids.tolist(), hashes
        self.max_hash_distance, self.max_pixel_difference = max_hash_distance, max_pixel_difference
        self.pixels = Thumbnails(project)

    def positions(self, i: int, r: int) -> tuple[int, int] | None:
        """Positions in ``rows`` of the images of vector rows i and r when they are near
        duplicates, else None."""
        a, b = self.position.get(self.vids[i], -1), self.position.get(self.vids[r], -1)
        if a < 0 or b < 0:
            return None
        ra, rb = self.rows[a], self.rows[b]
        if ra["hash"] != self.vhashes[i] or rb["hash"] != self.vhashes[r]:
            return None
        ha, hb = ra["phash"], rb["phash"]
        if self.max_hash_distance is not None and (
            ha is None or hb is None or self.distance(ha, hb) > self.max_hash_distance
        ):
            return None
        most = self.max_pixel_difference
        if most is not None and not self.pixels.match(ra["path"], rb["path"], most):
            return None
        return a, b


def past_copies_of(
    project: Project,
    images: EmbeddedImages,
    sims: np.ndarray,
    rows: np.ndarray,
    threshold: float,
    cancel: CancelToken,
) -> list[tuple[int, int, float]]:
    """:func:`past_copies` for a graph read without its vectors: they are read now
    (none when an embedding since has changed the rows: the graph no longer fits)."""
    from .neighbors import NeighborGraph
    from .store import project_vectors

    vectors = project_vectors(project)
    if vectors.hashes != images.hashes:
        return []
    return past_copies(project, NeighborGraph(vectors, sims, rows), threshold, cancel)


def crowds(hashes: Sequence[str], k: int) -> list[tuple[str, int]]:
    """Pictures with more exact copies than a graph row has neighbours (and how many)."""
    return [(h, n) for h, n in Counter(hashes).items() if n > k]


def past_copies(
    project: Project, graph: NeighborGraph, threshold: float, cancel: CancelToken
) -> list[tuple[int, int, float]]:
    """Candidate pairs no row of the graph can hold: a picture with more exact copies
    than a row has neighbours fills every row of its copies with them, so a near copy
    copied as often (a placeholder at two sizes) showed in none, and a leak between
    them went unreported. One search per such picture, past its copies."""
    from .neighbors import search_index

    vectors = graph.vectors
    k = graph.rows.shape[1]
    found: list[tuple[int, int, float]] = []
    crowds_here = crowds(vectors.hashes, k)  # others: a row holds their copies
    if not crowds_here:
        return found
    first: dict[str, int] = {}
    for i, h in enumerate(vectors.hashes):
        first.setdefault(h, i)
    index = search_index(project, vectors)  # looked up once (its key digests every row)
    for h, n in crowds_here:
        cancel.raise_if_cancelled()
        i = first[h]
        sims, rows = index.search(vectors.vectors[i], n + k)
        for sim, r in zip(sims[0].tolist(), rows[0].tolist(), strict=True):
            if r >= 0 and sim >= threshold and vectors.hashes[r] != h:
                found.append((i, int(r), float(sim)))
    return found


def check_thresholds(
    threshold: float, max_hash_distance: int | None, max_pixel_difference: float | None
) -> None:
    """BadArgument unless the similarity is a cosine from -1 to 1, the hash distance a
    whole number of bits from 0 to 64 (or None), the pixel difference from 0 to 1 (or
    None): NaN would quietly turn near duplicates off."""
    from labeldesk.core.errors import BadArgument

    if not (_number(threshold) and -1 <= threshold <= 1):
        raise BadArgument(
            f"the similarity threshold must be a cosine from -1 to 1, not {threshold!r}"
        )
    if max_hash_distance is not None and not (
        isinstance(max_hash_distance, numbers.Integral)
        and not isinstance(max_hash_distance, bool)
        and 0 <= max_hash_distance <= 64
    ):
        raise BadArgument(
            "the hash distance must be a whole number of bits from 0 to 64, "
            f"not {max_hash_distance!r}"
        )
    if max_pixel_difference is not None and not (
        _number(max_pixel_difference) and 0 <= max_pixel_difference <= 1
    ):
        raise BadArgument(
            f"the pixel difference must be a number from 0 to 1, not {max_pixel_difference!r}"
        )


def _number(value: object) -> bool:
    """A real, finite number (NumPy's included), not a bool."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:  # an int too large for a float
        return False
