"""Exact and near-duplicate groups, and split leakage.

Exact duplicates share a content hash (no embeddings needed). Near duplicates are pairs
from the cached kNN graph whose embeddings have cosine similarity at or above a threshold,
whose 64-bit perceptual hashes differ in at most a few bits, and whose thumbnails nowhere
differ much (pixel_difference): the embedding finds candidates fast, the hash drops most
look-alikes, and the pixel check drops the rest. Small plain images (28 px garments,
digits) have low-entropy hashes, so two different pullovers can share a hash; compared
pixel by pixel they still differ somewhere (a collar), where a re-encoded, resized or
brightened copy does not (benchmarks/bench_near_duplicates.py). Pairs are joined into
groups with union-find. A group is *leaking* when its images in use (not excluded) sit in
more than one of train/val/test: a model would be tested on what it trained on. Excluding
all but one image of a group, or moving them to one split, ends the leak (as Statistics
and the groups dialog show it, :mod:`labeldesk.browse.duplicate_groups`).

:func:`near_copies_between` applies the same rule only to the pairs between two sets of
pictures (an export's train images and its val/test ones), writing nothing.

A group is joined transitively, so its ends need not be alike: A like B and B like C puts
A and C in one group even where A and C are different pictures (a slow pan, a burst of
shots). Each group therefore keeps the pairs that joined it (``links``) and its members'
content hashes, and what is in use is judged by :func:`copy_sets`: an excluded image no
longer joins the two it was like, and keeping one image excludes only its own copies
(:func:`copies_of`), never a different picture that merely sat in the same chain.

The search reports its phases through ``progress`` and checks ``cancel`` between phases
and between batches, raising :class:`~labeldesk.core.errors.Cancelled` when asked to stop.
"""

from __future__ import annotations

import math
import numbers
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image, ImageFilter

from labeldesk.core.progress import CancelToken, Progress, ProgressCallback, no_progress
from labeldesk.core.vocab import EXCLUDED

from .errors import NoEmbeddings
from .search import cosine

if TYPE_CHECKING:
    from labeldesk.core.project import Project

    from .neighbors import NeighborGraph
    from .store import EmbeddedImages

DEFAULT_THRESHOLD = 0.85
# Re-encoded or resized copies differ in 0-3 of 64 bits, unrelated photos in about 32.
DEFAULT_HASH_DISTANCE = 4
# Most two thumbnails may differ for a near duplicate (see pixel_difference); chosen by the
# worst case over several sets (benchmarks/bench_near_duplicates.py).
DEFAULT_PIXEL_DIFFERENCE = 0.12
PIXEL_SIDE = 32
# A resized copy was resampled by another filter than ours: blur more to forgive that.
BLUR_RESIZED = 1.5
EVAL_SPLITS = ("train", "val", "test")
BATCH = 2048  # images or candidate pairs between two cancel checks
PHASES = ("perceptual hashes", "neighbours", "exact duplicates", "near duplicates", "groups")


@dataclass
class DuplicateGroup:
    kind: str  # "exact": identical bytes; "near": similar embeddings
    paths: list[str]
    labels: list[str | None]
    splits: list[str | None]
    similarity: float  # lowest similarity of a joining pair (1.0 for exact)
    statuses: list[str | None] = field(default_factory=list)  # review status; [] = none
    # content hash of each member ([]: unknown, the whole group counts as one picture)
    hashes: list[str] = field(default_factory=list)
    links: list[tuple[int, int]] = field(default_factory=list)  # near pairs (positions)

    def _status(self, i: int) -> str | None:
        return self.statuses[i] if i < len(self.statuses) else None

    def _sets(self) -> list[list[int]]:
        """The members in use, in sets of copies of one another (see :func:`copy_sets`)."""
        keys = [self.hashes[i] if i < len(self.hashes) else None for i in range(len(self.paths))]
        in_use = [self._status(i) != EXCLUDED for i in range(len(self.paths))]
        return [s for s in copy_sets(keys, self.links, in_use) if len(s) > 1]

    @property
    def resolved(self) -> bool:
        """No two members in use are copies of one another: the others were excluded."""
        return not self._sets()

    @property
    def leaks(self) -> bool:
        """Copies in use sit in more than one of train/val/test."""
        return any(len({self.splits[i] for i in s} & set(EVAL_SPLITS)) > 1 for s in self._sets())

    @property
    def conflicting_labels(self) -> bool:
        """Copies in use carry different labels."""
        return any(len({self.labels[i] for i in s} - {None}) > 1 for s in self._sets())

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "paths": self.paths,
            "labels": self.labels,
            "splits": self.splits,
            "statuses": [self._status(i) for i in range(len(self.paths))],
            "similarity": round(self.similarity, 4),
            "leak": self.leaks,
            "conflicting_labels": self.conflicting_labels,
            "resolved": self.resolved,
        }


def copy_sets(
    keys: Sequence[str | None], links: Iterable[tuple[int, int]], in_use: Sequence[bool]
) -> list[list[int]]:
    """The positions in use, in sets of copies of one another.

    Members with the same content key (``None``: unknown, all such members alike) are one
    picture; two pictures are copies when a link joins a member of each, and are joined
    further only through pictures that still have a member in use: A like B, B like C,
    B excluded leaves A and C apart (they may be different pictures). An excluded copy
    of a picture in use still stands for it."""
    links = list(links)
    if not links:  # an exact group, or one of copies only: the sets are the keys
        by_key: dict[str | None, list[int]] = {}
        for i, key in enumerate(keys):
            if in_use[i]:
                by_key.setdefault(key, []).append(i)
        return list(by_key.values())
    present = sorted({keys[i] for i in range(len(keys)) if in_use[i]}, key=str)
    node = {k: n for n, k in enumerate(present)}
    parent = list(range(len(present)))

    def find(n: int) -> int:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for a, b in links:
        na, nb = node.get(keys[a], -1), node.get(keys[b], -1)
        if na >= 0 and nb >= 0:
            parent[find(nb)] = find(na)
    sets: dict[int, list[int]] = {}
    for i in range(len(keys)):
        if in_use[i]:
            sets.setdefault(find(node[keys[i]]), []).append(i)
    return list(sets.values())


def copies_of(keys: Sequence[str | None], links: Iterable[tuple[int, int]], keep: int) -> list[int]:
    """Positions of the members that are copies of member ``keep`` itself: the same
    content, or linked directly to it (or to another copy of its content); a picture
    that is only like one of its copies is not one of them."""
    mine = keys[keep]
    linked = {keys[b] for a, b in links if keys[a] == mine} | {
        keys[a] for a, b in links if keys[b] == mine
    }
    return [i for i, k in enumerate(keys) if i != keep and (k == mine or k in linked)]


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
    """All duplicate groups, leaking ones first, then larger groups first.

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
        progress(Progress(n, len(PHASES), PHASES[n]))

    phase(0)
    fill_perceptual_hashes(project, cancel=cancel)
    phase(1)
    if graph is None:
        try:
            graph = neighbor_graph(project)
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
        rule = _PairRule(
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
        for i, r, sim in _past_copies(project, graph, threshold, cancel):
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
                similarity=1.0 if exact else cosine(uf.weakest[root]),
                statuses=[rows[i]["status"] for i in idx],
                hashes=[hashes[i] for i in idx],
                links=[(local[a], local[b]) for a, b in links_of.get(root, [])],
            )
        )
    groups.sort(key=lambda g: (not g.leaks, g.resolved, -len(g.paths), g.paths[0]))
    cancel.raise_if_cancelled()
    progress(Progress(len(PHASES), len(PHASES), "done"))
    return groups


class _PairRule:
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
        self.pixels = _Thumbnails(project)

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
    if _crowds(hashes, rows.shape[1]):  # rare: load the vectors to search past copies
        extra = _past_copies_of(project, images, sims, rows, threshold, cancel)
        src = np.append(src, [i for i, _, _ in extra]).astype(np.int64)
        other = np.append(other, [r for _, r, _ in extra]).astype(np.int64)
    ahead, behind = is_target[src] & is_source[other], is_source[src] & is_target[other]
    pairs = np.stack(
        [np.concatenate([src[ahead], other[behind]]), np.concatenate([other[ahead], src[behind]])],
        axis=1,
    )
    pairs = np.unique(pairs, axis=0)  # each once, a target's pairs together
    indexed = usable_images(project.db)  # (read after the graph, as find_duplicates does)
    rule = _PairRule(project, images.ids, hashes, indexed, max_hash_distance, max_pixel_difference)
    total = len(pairs)
    for start in range(0, total, BATCH):
        cancel.raise_if_cancelled()
        progress(Progress(start, total, "near duplicates"))
        for t, s in pairs[start : start + BATCH].tolist():
            if hashes[t] not in found and rule.positions(t, s) is not None:
                found.add(hashes[t])
    cancel.raise_if_cancelled()
    progress(Progress(total, total, "near duplicates"))
    return found


def _past_copies_of(
    project: Project,
    images: EmbeddedImages,
    sims: np.ndarray,
    rows: np.ndarray,
    threshold: float,
    cancel: CancelToken,
) -> list[tuple[int, int, float]]:
    """:func:`_past_copies` for a graph read without its vectors: they are read now
    (none when an embedding since has changed the rows: the graph no longer fits)."""
    from .neighbors import NeighborGraph
    from .store import project_vectors

    vectors = project_vectors(project)
    if vectors.hashes != images.hashes:
        return []
    return _past_copies(project, NeighborGraph(vectors, sims, rows), threshold, cancel)


def _crowds(hashes: Sequence[str], k: int) -> list[tuple[str, int]]:
    """Pictures with more exact copies than a graph row has neighbours (and how many)."""
    return [(h, n) for h, n in Counter(hashes).items() if n > k]


def _past_copies(
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
    crowds = _crowds(vectors.hashes, k)  # others: a row holds their copies
    if not crowds:
        return found
    first: dict[str, int] = {}
    for i, h in enumerate(vectors.hashes):
        first.setdefault(h, i)
    index = search_index(project, vectors)  # looked up once (its key digests every row)
    for h, n in crowds:
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


def pixel_difference(a: Image.Image, b: Image.Image) -> float:
    """How much two images differ where they differ most: gray levels at the smaller one's
    size (at most 32 px), blurred by a pixel (1.5 when their sizes differ), one fitted to
    the other by gain and offset; the 99th percentile of the leftover, as a share of the
    gray range. Both ways round, the larger.

    A re-encoded, resized or brightened copy differs a little everywhere (compression,
    resampling, a gain): a few percent. A different item of the same kind differs a lot
    somewhere (a collar, a stroke of a digit), however alike the rest: at least ~14 % on
    Fashion-MNIST and digits, where two plain pullovers correlate at 0.98.
    """
    side = max(4, min(PIXEL_SIDE, *a.size, *b.size))
    blur = 1.0 if a.size == b.size else BLUR_RESIZED
    x, y = _smoothed(a, side, blur), _smoothed(b, side, blur)
    return max(_leftover(x, y), _leftover(y, x))


def _smoothed(img: Image.Image, side: int, blur: float) -> np.ndarray:
    gray = img.convert("L").resize((side, side), Image.Resampling.BOX)
    return np.asarray(gray.filter(ImageFilter.GaussianBlur(blur)), dtype=np.float64).ravel()


def _leftover(x: np.ndarray, y: np.ndarray) -> float:
    """99th percentile of |y - (gain * x + offset)| (least squares), over y's range."""
    spread = float(y.max() - y.min())
    if spread == 0:
        return 0.0
    dx = x - x.mean()
    var = float(dx @ dx)
    gain = float(dx @ (y - y.mean())) / var if var > 0 else 0.0
    leftover = y - y.mean() - gain * dx
    return float(np.quantile(np.abs(leftover), 0.99)) / spread


class _Thumbnails:
    """Thumbnails of candidate pairs (only candidates are ever read), the most recent few
    thousand kept decoded: a pair's images are usually each other's neighbours' too."""

    KEEP = 2048

    def __init__(self, project: Project):
        self.project = project
        self.cache: dict[str, Image.Image | None] = {}

    def get(self, path: str) -> Image.Image | None:
        if path not in self.cache:
            from labeldesk.core.errors import LabelDeskError

            if len(self.cache) >= self.KEEP:
                del self.cache[next(iter(self.cache))]  # the oldest
            try:
                with Image.open(self.project.thumbnail(path)) as img:
                    self.cache[path] = img.convert("L")  # full size: one resampling only
            except (LabelDeskError, OSError, ValueError):
                self.cache[path] = None  # unreadable now: no pixel evidence, no pair
        return self.cache[path]

    def match(self, a: str, b: str, most: float) -> bool:
        ia, ib = self.get(a), self.get(b)
        return ia is not None and ib is not None and pixel_difference(ia, ib) <= most


def fill_perceptual_hashes(project: Project, *, cancel: CancelToken | None = None) -> int:
    """Compute perceptual hashes missing from older projects (from the thumbnails).

    A cancel stops between batches; the hashes found so far are saved, then ``Cancelled``
    is raised.
    """
    from labeldesk.core.errors import LabelDeskError
    from labeldesk.core.image_rows import images_without_phash, set_phashes
    from labeldesk.core.imageio import cached_phash

    cancel = cancel or CancelToken()
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
    return [{"path": v.paths[i], "label": v.labels[i], "score": float(scores[i])} for i in order]
