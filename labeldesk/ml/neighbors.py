"""The project's kNN graph: computed once per embedding version, cached, reused by
similar-image search, duplicates, outliers and label quality."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from labeldesk.core.progress import CancelToken, Progress, ProgressCallback, no_progress
from labeldesk.core.single_flight import StopCheck, shared, stop_token

from .cachefiles import read_arrays, replace_versions, rows_of
from .errors import NoEmbeddings
from .search import (
    GRAPH_EXACT_MAX,
    IndexConfig,
    VectorIndex,
    graph_from,
    knn_graph,
    pair_cosine,
)
from .store import (
    EmbeddedImages,
    ProjectVectors,
    current_store,
    embedded_images,
    embeddings_dir,
    project_vectors,
)
from .store_index import ProjectIndex, store_index

if TYPE_CHECKING:
    from labeldesk.core.project import Project

GRAPH_K = 20
# A search made for one use and not kept (graph_in_memory): its phase, in about this many
# steps, so that a bar moves and Cancel is heard within one (a read-only project's export)
SEARCHING = "searching near duplicates"
IN_MEMORY_STEPS = 20
IN_MEMORY_MIN_BATCH = 256  # (smaller batches search no faster)


@dataclass
class NeighborGraph:
    vectors: ProjectVectors
    sims: np.ndarray  # (N, k) cosine similarity, nearest first
    rows: np.ndarray  # (N, k) row numbers into ``vectors``, -1 where none

    def outlier_scores(self, k: int = 10) -> np.ndarray:
        """Mean cosine distance to the k nearest neighbours: high = unlike anything else."""
        k = min(k, self.sims.shape[1])
        sims = np.where(self.rows[:, :k] >= 0, self.sims[:, :k], np.nan)
        with np.errstate(invalid="ignore"):
            score = 1.0 - np.nanmean(sims, axis=1)
        return np.nan_to_num(score, nan=1.0)


def version_digest(vectors: ProjectVectors | EmbeddedImages, k: int) -> str:
    """Changes whenever the set of embedded images (by content), the model or the store
    (rebuilt: same images, other vectors) changes."""
    digest = hashlib.sha1(f"{vectors.key}:{vectors.generation}:{k}".encode())
    for h in vectors.hashes:
        digest.update(bytes.fromhex(h))
    return digest.hexdigest()[:16]


def neighbor_graph(
    project: Project,
    k: int = GRAPH_K,
    vectors: ProjectVectors | None = None,
    *,
    cancel: CancelToken | None = None,
) -> NeighborGraph:
    """The cached kNN graph for the current embeddings, computed if missing.

    Pass ``vectors`` when combining the graph with other per-image results: an embedding
    job may add vectors between two reads, and rows must line up. Computed once however
    many jobs (and processes) ask for it at once (:func:`~labeldesk.core.single_flight.shared`:
    the browser's scores and the labeling queue both need it after an embed); ``cancel``:
    this request's token, the computation stopping between its batches once no
    request wants it (Cancelled)."""
    vectors = vectors or project_vectors(project)
    cache, k = graph_cache(project, vectors, k)
    graph = _read_graph(cache, vectors, k)
    if graph is not None:
        return graph

    def make(stop_check: StopCheck) -> tuple[np.ndarray, np.ndarray]:
        made = _read_graph(cache, vectors, k)  # another process may have made it
        if made is not None:
            return made.sims, made.rows
        stopped = stop_token(stop_check)
        if len(vectors.paths) > GRAPH_EXACT_MAX:  # the persistent index: trained once, reused
            index = search_index(project, vectors)
            stop_check()
            sims, rows = graph_from(index, vectors.vectors, k, cancel=stopped)
        else:
            sims, rows = knn_graph(vectors.vectors, k, cancel=stopped)
        save_graph(cache, sims, rows)
        return sims, rows

    lock_file = cache.with_name(f".{cache.stem}.lock")
    sims, rows = shared(str(cache), make, cancel=cancel, lock_file=lock_file)
    return NeighborGraph(vectors, sims, rows)


def graph_in_memory(
    project: Project,
    most: int,
    k: int = GRAPH_K,
    *,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> tuple[EmbeddedImages, np.ndarray, np.ndarray] | None:
    """The kNN graph of the current embeddings, computed now and not kept (a read-only
    project, where none can be cached), as :func:`cached_neighbours` gives it; None when
    more than ``most`` images are embedded (nothing is computed then). NoEmbeddings when
    the project has none. ``progress`` hears the images searched ("searching near
    duplicates", after each of some 20 batches); ``cancel`` stops it between them."""
    if len(embedded_images(project).paths) > most:
        return None
    vectors = project_vectors(project)
    _, k = graph_cache(project, vectors, k)
    n = len(vectors.paths)
    progress(Progress(0, n, SEARCHING))

    def done(searched: int, total: int) -> None:
        progress(Progress(searched, total, SEARCHING))

    batch = max(IN_MEMORY_MIN_BATCH, -(-n // IN_MEMORY_STEPS))  # steps the bar and Cancel can see
    sims, rows = knn_graph(vectors.vectors, k, batch=batch, done=done, cancel=cancel)
    images = EmbeddedImages(
        vectors.ids, vectors.paths, vectors.hashes, vectors.key, vectors.generation
    )
    return images, sims, rows


def graph_cache(
    project: Project, vectors: ProjectVectors | EmbeddedImages, k: int = GRAPH_K
) -> tuple[Path, int]:
    """The graph's cache file for ``vectors`` and the k it holds (fewer when the project
    has fewer images); :mod:`labeldesk.ml.ray_graph` writes the same file. Above
    ``GRAPH_EXACT_MAX`` rows the name says the graph was searched among the project's
    own rows (:class:`~.store_index.ProjectIndex`): one cached before, where the
    store's other rows took candidate slots, is not what a search makes now."""
    k = max(1, min(k, len(vectors.paths) - 1))
    own = "-own" if len(vectors.paths) > GRAPH_EXACT_MAX else ""
    name = f"knn-{version_digest(vectors, k)}{own}.npz"
    return embeddings_dir(project) / vectors.key / name, k


def cached_graph(
    project: Project, k: int = GRAPH_K, vectors: ProjectVectors | None = None
) -> NeighborGraph | None:
    """The kNN graph of the current embeddings when it is cached, else None: nothing is
    computed (an export's leakage check looks for near copies only where a search
    already ran). NoEmbeddings when the project has none."""
    vectors = vectors or project_vectors(project)
    cache, k = graph_cache(project, vectors, k)
    return _read_graph(cache, vectors, k)


def cached_neighbours(
    project: Project, k: int = GRAPH_K
) -> tuple[EmbeddedImages, np.ndarray, np.ndarray] | None:
    """The cached kNN graph of the current embeddings without its vectors: the images
    (ids, paths, contents: no vector read, where :func:`cached_graph` copies every one,
    2.4 GB at 1M images) and the graph's ``sims`` and ``rows``; None when it is not
    cached (nothing is computed). NoEmbeddings when the project has none."""
    images = embedded_images(project)
    cache, k = graph_cache(project, images, k)
    n = len(images.paths)
    cached = read_arrays(cache, ("sims", "rows"), lambda a: _graph_problem(a, n, k))
    return None if cached is None else (images, cached["sims"], cached["rows"])


def has_cached_graph(project: Project, vectors: ProjectVectors, k: int = GRAPH_K) -> bool:
    """Whether a usable graph for ``vectors`` is cached (nothing to compute)."""
    return cached_graph(project, k, vectors) is not None


def _read_graph(cache: Path, vectors: ProjectVectors, k: int) -> NeighborGraph | None:
    """The graph in ``cache`` when it is one of ``vectors``' rows, k neighbours each."""
    n = len(vectors.paths)
    cached = read_arrays(cache, ("sims", "rows"), lambda a: _graph_problem(a, n, k))
    return None if cached is None else NeighborGraph(vectors, cached["sims"], cached["rows"])


def save_graph(cache: Path, sims: np.ndarray, rows: np.ndarray) -> None:
    """Write the graph atomically (a reader never sees half of it), replacing older ones."""

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            np.savez(f, sims=sims, rows=rows)

    replace_versions(cache, "knn-*.npz", write)  # one version is enough


def _graph_problem(arrays: dict[str, np.ndarray], n: int, k: int) -> str | None:
    """Why cached graph arrays cannot be this graph (n rows of k neighbours), or None."""
    rows = arrays["rows"]
    problem = rows_of(arrays["sims"], n, k, "f") or rows_of(rows, n, k, "i")
    if problem is None and rows.size and (rows.min() < -1 or rows.max() >= n):
        problem = "neighbour rows out of range"
    return problem


def search_index(project: Project, vectors: ProjectVectors) -> VectorIndex | ProjectIndex:
    """A search index over ``vectors`` (``search(queries, k)`` gives project rows), kept
    in memory for the last embedding version (a GUI asks for neighbours on every click);
    approximate ones are also kept on disk and extended as images are embedded."""
    global _last_index
    version = (str(embeddings_dir(project) / vectors.key), version_digest(vectors, 0))
    with _index_lock:
        if _last_index is not None and _last_index[0] == version:
            return _last_index[1]
    index = _build_index(project, vectors, version[1])
    with _index_lock:
        _last_index = (version, index)
    return index


_index_lock = threading.Lock()
_last_index: tuple[tuple[str, str], VectorIndex | ProjectIndex] | None = None


def _build_index(project: Project, vectors: ProjectVectors, digest: str) -> Any:
    """Exact over the project's rows while small; above that the store's persistent
    compressed index (:mod:`labeldesk.ml.store_index`) answering in project rows."""
    config = IndexConfig.choose(len(vectors.paths))
    if config.exact:
        return VectorIndex(vectors.vectors, config)
    store = current_store(project, vectors.key)
    rows = store.rows_for(vectors.hashes)
    if store.generation != vectors.generation or (rows < 0).any():  # rebuilt meanwhile
        return VectorIndex(vectors.vectors, config)
    return ProjectIndex(store_index(store, IndexConfig.choose(store.count)), rows)


def similar(project: Project, path: str, k: int = 10) -> list[dict[str, object]]:
    """Images most like ``path`` (by cosine similarity), nearest first, itself excluded.

    A large project answers from the store's saved index, reading only the rows shown
    (:mod:`labeldesk.ml.nearest_rows`); a small one, or where that does not apply, from
    all of its vectors."""
    from .nearest_rows import similar_from_index

    found = similar_from_index(project, path, k)
    if found is not None:
        return found
    vectors = project_vectors(project)
    try:
        row = vectors.row_of(path)
    except KeyError:
        reason = project.skip_reason(path)  # UnknownPathError when not in the project at all
        if reason:
            raise NoEmbeddings(f"{path} is skipped ({reason}): it has no embedding") from None
        raise NoEmbeddings(
            f"{path} is not embedded yet: run `labeldesk embed {project.path}`"
        ) from None
    sims, rows = search_index(project, vectors).search(vectors.vectors[row], k + 1)
    out = []
    for sim, r in zip(sims[0], rows[0], strict=True):
        if r < 0 or r == row:
            continue
        same = vectors.hashes[r] == vectors.hashes[row]
        score = pair_cosine(sim, same_content=same)
        shown = {"path": vectors.paths[r], "label": vectors.labels[r], "split": vectors.splits[r]}
        out.append(shown | {"score": score})
    return out[:k]
