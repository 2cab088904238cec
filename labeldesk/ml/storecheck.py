"""Checking a vector store written by an older version before trusting it.

Older versions let a reader cut vectors off mid-write and two runs append at once; either
could shift the rows, so images carried other images' vectors while the files looked
whole. A shift corrupts every row after the point where it happened, so re-embedding a
small sample (spread over the store, plus its last rows) and comparing it with what is
stored tells a shifted store from a sound one at the cost of a few dozen images.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from labeldesk.core.image_rows import usable_files

from .vectors import VectorStore

if TYPE_CHECKING:
    from labeldesk.core.project import Project

log = logging.getLogger(__name__)

SAMPLE_ROWS = 48
TAIL_ROWS = 8  # a shift corrupts everything after it: the last rows always show it
AGREEMENT = 0.99  # cosine; float16 storage and another device stay above 0.999

# ((hash, path) pairs, read the originals even where a thumbnail would do?) -> the hashes
# that could be embedded (image still there with that content) and their unit vectors.
Embedder = Callable[[Sequence[tuple[str, str]], bool], tuple[list[str], np.ndarray]]


@dataclass
class Verdict:
    checked: int  # rows re-embedded and judged
    disagreeing: int  # rows whose stored vector is not their image's
    undecided: int  # rows that differ from their thumbnail but whose original is gone
    lowest: float  # lowest cosine of a judged row (1.0 when none were judged)


def sample_rows(
    candidates: np.ndarray, size: int = SAMPLE_ROWS, tail: int = TAIL_ROWS
) -> np.ndarray:
    """Up to ``size`` of the sorted rows ``candidates``: the last ``tail`` and the rest
    spread evenly from the first on."""
    if len(candidates) <= size:
        return candidates
    head, last = candidates[:-tail], candidates[-tail:]
    spread = head[np.linspace(0, len(head) - 1, size - tail).round().astype(np.int64)]
    return np.unique(np.concatenate([spread, last]))


def check_store(project: Project, store: VectorStore, embed: Embedder) -> Verdict:
    """Re-embed a sample of the rows whose images the project still has and compare.

    The pipeline embeds an image from its cached thumbnail when there is one, else from
    the original, and the two give vectors that differ (cosine down to ~0.9, as much as
    two look-alike images). A row that does not match its image as read now is read
    again from the original before it is judged (its thumbnail may be newer than its
    vector)."""
    rows = usable_files(project.db, order="id")
    path_of: dict[str, str] = {}
    for row in rows:
        path_of.setdefault(row["hash"], row["path"])
    hashes = list(path_of)
    found = store.rows_for(hashes)
    hash_of_row = {int(r): h for r, h in zip(found, hashes, strict=True) if r >= 0}
    picked = [hash_of_row[int(r)] for r in sample_rows(np.array(sorted(hash_of_row)))]
    first = _compare(store, *embed([(h, path_of[h]) for h in picked], False))
    doubtful = [h for h, c in first.items() if c < AGREEMENT]
    again = _compare(store, *embed([(h, path_of[h]) for h in doubtful], True)) if doubtful else {}
    best = {h: max(c, again.get(h, c)) for h, c in first.items() if h not in doubtful or h in again}
    return Verdict(
        checked=len(best),
        disagreeing=sum(1 for c in best.values() if c < AGREEMENT),
        undecided=len(doubtful) - len(again),  # the original, to read instead, is gone
        lowest=min(best.values(), default=1.0),
    )


def _compare(store: VectorStore, hashes: list[str], fresh: np.ndarray) -> dict[str, float]:
    """Cosine between each fresh vector and the stored one of its hash."""
    if not hashes:
        return {}
    stored = store.gather(store.rows_for(hashes)).astype(np.float64)
    fresh = fresh.astype(np.float64)
    norms = np.linalg.norm(stored, axis=1) * np.linalg.norm(fresh, axis=1)
    cosine = np.sum(stored * fresh, axis=1) / np.maximum(norms, 1e-12)
    return dict(zip(hashes, cosine.tolist(), strict=True))


def verify_legacy_store(project: Project, store: VectorStore, embed: Embedder) -> Verdict:
    """Under the write lock: check a store without the format marker; rebuild it if its
    vectors are not its images', else mark it as checked. When rows of the sample cannot
    be judged (the image folder is not mounted) the store is left as it is, to be checked
    again by the next run."""
    verdict = check_store(project, store, embed)
    if verdict.disagreeing:
        store.rebuild(
            f"{verdict.disagreeing} of {verdict.checked} re-embedded images do not match "
            f"their stored vectors (lowest cosine {verdict.lowest:.2f}): an older version "
            "shifted its rows"
        )
    elif verdict.checked and not verdict.undecided:
        log.info("%s: %d rows checked, all match", store.folder, verdict.checked)
        store.mark_current()
    else:
        log.info("%s: its images could not be read to check it; next time", store.folder)
    return verdict
