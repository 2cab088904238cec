"""Exact and near-duplicate groups, and split leakage.

Exact duplicates share a content hash (no embeddings needed). Near duplicates are pairs
from the cached kNN graph that pass the near-duplicate rule (:mod:`.near_rule`: cosine
similarity at or above a threshold, perceptual hashes a few bits apart, thumbnails alike
by :mod:`.pixel_match`). Pairs are joined into groups with union-find. A group is
*leaking* when its images in use (not excluded) sit in more than one of train/val/test: a
model would be tested on what it trained on (:mod:`.duplicate_group` says which members
are copies in use). Excluding all but one image of a group, or moving them to one split,
ends the leak (as Statistics and the groups dialog show it,
:mod:`labeldesk.browse.duplicate_groups`).

:func:`near_copies_between` applies the same rule only to the pairs between two sets of
pictures (an export's train images and its val/test ones), writing nothing.

The search reports its phases through ``progress`` and checks ``cancel`` between phases
and between batches, raising :class:`~labeldesk.core.errors.Cancelled` when asked to stop.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any

import numpy as np

from labeldesk.core.progress import CancelToken, Progress, ProgressCallback, no_progress

from .duplicate_group import DuplicateGroup, numbered
from .errors import NoEmbeddings
from .near_defaults import DEFAULT_HASH_DISTANCE, DEFAULT_THRESHOLD
from .near_rule import (
    PairRule,
    check_thresholds,
    crowds,
    past_copies,
    past_copies_of,
)
from .pixel_match import DEFAULT_PIXEL_DIFFERENCE
from .search import pair_cosine

if TYPE_CHECKING:
    from labeldesk.core.project import Project

    from .neighbors import NeighborGraph
    from .store import EmbeddedImages

BATCH = 2048  # images or candidate pairs between two cancel checks
PHASES = ("perceptual hashes", "neighbours", "exact duplicates", "near duplicates", "groups")
STEPS = {"unit": "step"}  # the phases count steps of the search, not images
PAIRS = {"unit": "pair"}  # a leak check counts the pairs of images it compares


class _UnionFind:
    def __init__(self, n: int):
        self.parent = np.arange(n)
        self.weakest = np.ones(n)

    def find(self, i: int) -> int:
        root = i
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[i] != root:
            self.parent[i], i = root, self.parent[i]
        return int(root)

    def union(self, a: int, b: int, sim: float) -> None:
        ra, rb = self.find(a), self.find(b)
        low = min(self.weakest[ra], self.weakest[rb], sim)
        if ra != rb:
            self.parent[rb] = ra
        self.weakest[ra] = low


def find_duplicates(
    project: Project,
    threshold: float = DEFAULT_THRESHOLD,
    max_hash_distance: int | None = DEFAULT_HASH_DISTANCE,
    *,
    max_pixel_difference: float | None = DEFAULT_PIXEL_DIFFERENCE,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
    graph: NeighborGraph | None = None,
) -> list[DuplicateGroup]:
    """All duplicate groups, leaking ones first, then larger groups first, numbered
    from 1 in that order (:func:`~.duplicate_group.numbered`: every listing's numbers).

    ``max_hash_distance=None`` lets cosine similarity alone decide near duplicates;
    ``max_pixel_difference=None`` skips the thumbnail check (the rule before issue 10).
    ``graph``: the kNN graph to look for near duplicates in (by default the project's,
    computed when not cached; :func:`~labeldesk.ml.neighbors.cached_graph` gives one
    only where it is).
    Progress counts the phases (:data:`PHASES`); a cancel raises ``Cancelled`` at the next
    check, keeping only the perceptual hashes computed so far.
    """
    from labeldesk.core.image_rows import usable_images

    from .neighbors import neighbor_graph

    check_thresholds(threshold, max_hash_distance, max_pixel_difference)
    cancel = cancel or CancelToken()

    def phase(n: int) -> None:
        cancel.raise_if_cancelled()
        progress(Progress(n, len(PHASES), PHASES[n], STEPS))

    phase(0)
    fill_perceptual_hashes(project, cancel=cancel)
    phase(1)
    if graph is None:
        try:
            graph = neighbor_graph(project, cancel=cancel)
        except NoEmbeddings:
            graph = None
    phase(2)
    # read after the vectors: an image a scan in another process renamed meanwhile has
    # its new path here (its thumbnail is found), one removed or rewritten is left out
    rows = usable_images(project.db)
    paths = [r["path"] for r in rows]
    hashes = [r["hash"] for r in rows]
    uf = _UnionFind(len(rows))
    linked: set[tuple[int, int]] = set()  # the near pairs found (positions into rows)
    first_of_hash: dict[str, int] = {}
    for i, h in enumerate(hashes):
        if h in first_of_hash:
            uf.union(first_of_hash[h], i, 1.0)
        else:
            first_of_hash[h] = i
    phase(3)
    if graph is not None:
        vectors = graph.vectors
        rule = PairRule(
            project, vectors.ids, vectors.hashes, rows, max_hash_distance, max_pixel_difference
        )

        def consider(i: int, r: int, sim: float) -> None:
            """Join vector rows i and r if their images pass the near-duplicate rule."""
            pair = rule.positions(i, r)
            if pair is None:
                return
            a, b = pair
            uf.union(a, b, sim)
            if hashes[a] != hashes[b]:
                linked.add((min(a, b), max(a, b)))

        src, col = np.nonzero((graph.sims >= threshold) & (graph.rows >= 0))
        for start in range(0, len(src), BATCH):
            cancel.raise_if_cancelled()
            batch = slice(start, start + BATCH)
            for i, j in zip(src[batch].tolist(), col[batch].tolist(), strict=True):
                consider(i, int(graph.rows[i, j]), float(graph.sims[i, j]))
        for i, r, sim in past_copies(project, graph, threshold, cancel):
            consider(i, r, sim)
    phase(4)
    members: dict[int, list[int]] = {}
    for i in range(len(rows)):
        members.setdefault(uf.find(i), []).append(i)
    links_of: dict[int, list[tuple[int, int]]] = {}
    for a, b in sorted(linked):
        links_of.setdefault(uf.find(a), []).append((a, b))
    groups = []
    for root, idx in members.items():
        if len(idx) < 2:
            continue
        exact = len({hashes[i] for i in idx}) == 1
        local = {i: n for n, i in enumerate(idx)}
        groups.append(
            DuplicateGroup(
                kind="exact" if exact else "near",
                paths=[paths[i] for i in idx],
                labels=[rows[i]["label"] for i in idx],
                splits=[rows[i]["split"] for i in idx],
                similarity=pair_cosine(uf.weakest[root], same_content=exact),
                statuses=[rows[i]["status"] for i in idx],
                hashes=[hashes[i] for i in idx],
                links=[(local[a], local[b]) for a, b in links_of.get(root, [])],
            )
        )
    groups = numbered(groups)
    cancel.raise_if_cancelled()
    progress(Progress(len(PHASES), len(PHASES), "done", STEPS))
    return groups


def near_copies_between(
    project: Project,
    images: EmbeddedImages,
    sims: np.ndarray,
    rows: np.ndarray,
    sources: Collection[str],
    targets: Collection[str],
    threshold: float = DEFAULT_THRESHOLD,
    max_hash_distance: int | None = DEFAULT_HASH_DISTANCE,
    *,
    max_pixel_difference: float | None = DEFAULT_PIXEL_DIFFERENCE,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> set[str]:
    """The contents (content hashes) in ``targets`` with a near copy among ``sources``, by
    :func:`find_duplicates`' rule in a kNN graph (``sims``, ``rows`` of ``images``, as
    :func:`~labeldesk.ml.neighbors.cached_neighbours` gives them): two images joined
    directly, as :func:`copies_of` tells copies, never through a chain. Only the graph's
    candidate pairs between the two sets are looked at, each once, and none of a target
    already found (an export's leakage check: its train images against its val/test
    ones, a fraction of a whole search). Nothing is computed or written: an image without
    a perceptual hash has no near copy here. A cancel raises ``Cancelled`` between
    batches of pairs."""
    from labeldesk.core.image_rows import usable_images

    check_thresholds(threshold, max_hash_distance, max_pixel_difference)
    cancel = cancel or CancelToken()
    hashes = images.hashes
    wanted = set(sources), set(targets)
    is_source, is_target = (np.array([h in s for h in hashes], dtype=bool) for s in wanted)
    found: set[str] = set()
    if not is_source.any() or not is_target.any():
        return found
    src, col = np.nonzero((sims >= threshold) & (rows >= 0))
    other = rows[src, col].astype(np.int64)
    if crowds(hashes, rows.shape[1]):  # rare: load the vectors to search past copies
        extra = past_copies_of(project, images, sims, rows, threshold, cancel)
        src = np.append(src, [i for i, _, _ in extra]).astype(np.int64)
        other = np.append(other, [r for _, r, _ in extra]).astype(np.int64)
    ahead, behind = is_target[src] & is_source[other], is_source[src] & is_target[other]
    pairs = np.stack(
        [np.concatenate([src[ahead], other[behind]]), np.concatenate([other[ahead], src[behind]])],
        axis=1,
    )
    pairs = np.unique(pairs, axis=0)  # each once, a target's pairs together
    indexed = usable_images(project.db)  # (read after the graph, as find_duplicates does)
    rule = PairRule(project, images.ids, hashes, indexed, max_hash_distance, max_pixel_difference)
    total = len(pairs)
    for start in range(0, total, BATCH):
        cancel.raise_if_cancelled()
        progress(Progress(start, total, "near duplicates", PAIRS))
        for t, s in pairs[start : start + BATCH].tolist():
            if hashes[t] not in found and rule.positions(t, s) is not None:
                found.add(hashes[t])
    cancel.raise_if_cancelled()
    progress(Progress(total, total, "near duplicates", PAIRS))
    return found


def fill_perceptual_hashes(project: Project, *, cancel: CancelToken | None = None) -> int:
    """Compute perceptual hashes missing from older projects (from the thumbnails).

    A cancel stops between batches; the hashes found so far are saved, then ``Cancelled``
    is raised.
    """
    from labeldesk.core.errors import LabelDeskError
    from labeldesk.core.image_rows import images_without_phash, set_phashes
    from labeldesk.core.imageio import cached_phash

    cancel = cancel or CancelToken()
    if project.read_only is not None:  # nowhere to keep them: those images go without
        return 0
    missing = images_without_phash(project.db)
    found = []
    for start in range(0, len(missing), BATCH):
        if cancel.cancelled:
            break
        for image_id, path in missing[start : start + BATCH]:
            try:
                found.append((cached_phash(project.thumbnail(path)), image_id))
            except (LabelDeskError, OSError, ValueError):
                continue  # broken since the scan; the next scan will say so
    set_phashes(project.db, found)
    cancel.raise_if_cancelled()
    return len(found)


def outliers(project: Project, k: int = 10) -> list[dict[str, Any]]:
    """Every embedded image with its outlier score (mean cosine distance to its k nearest
    neighbours), most unusual first: junk, rare classes, wrong crops."""
    from .neighbors import neighbor_graph

    graph = neighbor_graph(project)
    scores = graph.outlier_scores(k)
    order = np.argsort(-scores, kind="stable")
    v = graph.vectors
    return [
        {"path": v.paths[i], "label": v.labels[i], "split": v.splits[i], "score": float(scores[i])}
        for i in order
    ]
