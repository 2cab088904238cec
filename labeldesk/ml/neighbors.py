"""The project's kNN graph: computed once per embedding version, cached, reused by
similar-image search, duplicates, outliers and label quality."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .search import IndexConfig, VectorIndex, knn_graph
from .store import ProjectVectors, embeddings_dir, project_vectors

if TYPE_CHECKING:
    from labeldesk.core.project import Project

GRAPH_K = 20


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


def version_digest(vectors: ProjectVectors, k: int) -> str:
    """Changes whenever the set of embedded images (by content) or the model changes."""
    digest = hashlib.sha1(f"{vectors.key}:{k}".encode())
    for h in vectors.hashes:
        digest.update(bytes.fromhex(h))
    return digest.hexdigest()[:16]


def neighbor_graph(project: Project, k: int = GRAPH_K) -> NeighborGraph:
    """The cached kNN graph for the current embeddings, computed if missing."""
    vectors = project_vectors(project)
    k = max(1, min(k, len(vectors.paths) - 1))
    cache = embeddings_dir(project) / vectors.key / f"knn-{version_digest(vectors, k)}.npz"
    if cache.exists():
        with np.load(cache) as data:
            return NeighborGraph(vectors, data["sims"], data["rows"])
    sims, rows = knn_graph(vectors.vectors, k)
    for old in cache.parent.glob("knn-*.npz"):
        old.unlink(missing_ok=True)  # one version is enough
    tmp = cache.with_suffix(".tmp.npz")
    np.savez(tmp, sims=sims, rows=rows)
    tmp.replace(cache)
    return NeighborGraph(vectors, sims, rows)


def search_index(project: Project, vectors: ProjectVectors) -> VectorIndex:
    """A search index over ``vectors``; approximate ones are cached on disk per version."""
    config = IndexConfig.choose(len(vectors.paths))
    if config.exact:
        return VectorIndex(vectors.vectors, config)
    import faiss

    cache = embeddings_dir(project) / vectors.key / f"ivf-{version_digest(vectors, 0)}.faiss"
    if cache.exists():
        return VectorIndex.from_faiss(faiss.read_index(str(cache)), config)
    index = VectorIndex(vectors.vectors, config)
    for old in cache.parent.glob("ivf-*.faiss"):
        old.unlink(missing_ok=True)
    faiss.write_index(index.index, str(cache.with_suffix(".tmp")))
    cache.with_suffix(".tmp").replace(cache)
    return index


def similar(project: Project, path: str, k: int = 10) -> list[dict[str, object]]:
    """Images most like ``path`` (by cosine similarity), nearest first, itself excluded."""
    vectors = project_vectors(project)
    try:
        row = vectors.row_of(path)
    except KeyError:
        from labeldesk.core.errors import UnknownPathError

        project.ids_for([path])  # raises if the path is not in the project at all
        raise UnknownPathError([f"{path} (not embedded yet: run `labeldesk embed`)"]) from None
    sims, rows = search_index(project, vectors).search(vectors.vectors[row], k + 1)
    out = []
    for sim, r in zip(sims[0], rows[0], strict=True):
        if r < 0 or r == row:
            continue
        out.append({"path": vectors.paths[r], "label": vectors.labels[r], "score": float(sim)})
    return out[:k]
