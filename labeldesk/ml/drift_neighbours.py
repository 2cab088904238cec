"""Nearest project images of new images: distances for novelty, votes for the model's
predictions, and copies of project images (exact and near duplicates, leakage)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from labeldesk.core.vocab import EXCLUDED

from .search import cosine

if TYPE_CHECKING:
    from labeldesk.core.project import Project

    from .drift_embed import NewImages
    from .store import ProjectVectors

PROJECT_K = 10  # neighbours among all project images (the kNN vote uses 10)


@dataclass
class Nearest:
    project_sims: np.ndarray  # (n_new, PROJECT_K) cosine to the nearest project images
    project_rows: np.ndarray  # rows into the project's vectors, -1 where none
    new_distance: np.ndarray  # mean cosine distance to the k nearest reference images
    reference_distance: np.ndarray  # the same for the first reference rows, self excluded


def nearest(
    project: Project,
    vectors: ProjectVectors,
    reference: np.ndarray,
    new_vectors: np.ndarray,
    k: int,
    max_reference_queries: int,
) -> Nearest:
    """Neighbours of the new vectors among all project images, and the kNN distances of
    new and of up to ``max_reference_queries`` reference rows (``reference``: rows into
    ``vectors``, in the order whose prefix is measured) among the reference rows."""
    from .neighbors import search_index
    from .search import VectorIndex

    sims, rows = search_index(project, vectors).search(new_vectors, PROJECT_K)
    if len(reference) == len(vectors.paths):
        index = search_index(project, vectors)
        to_reference = np.empty(len(vectors.paths), dtype=np.int64)
        to_reference[reference] = np.arange(len(reference))
    else:
        index = VectorIndex(np.asarray(vectors.vectors[np.sort(reference)], np.float32))
        to_reference = np.full(len(vectors.paths), -1, dtype=np.int64)
        to_reference[np.sort(reference)] = np.arange(len(reference))
    k = max(1, min(k, len(reference) - 1)) if len(reference) > 1 else 1
    whole = len(reference) == len(vectors.paths)
    # Every project image is a reference one: the search above already found them.
    new_sims = sims[:, :k] if whole and k <= PROJECT_K else index.search(new_vectors, k)[0]
    queries = reference[:max_reference_queries]
    ref_sims, ref_rows = index.search(np.asarray(vectors.vectors[queries], np.float32), k + 1)
    own = ref_rows == _index_row(to_reference, queries, whole)
    keep = np.where(own, -np.inf, ref_sims)
    keep = -np.sort(-keep, axis=1)[:, :k]  # the k best others
    return Nearest(
        project_sims=sims,
        project_rows=rows,
        new_distance=1.0 - new_sims.mean(axis=1),
        reference_distance=1.0 - keep.mean(axis=1) if len(reference) > 1 else np.ones(len(queries)),
    )


def _index_row(to_reference: np.ndarray, rows: np.ndarray, whole: bool) -> np.ndarray:
    """The row each query has in the index searched (the project's own rows when the
    reference is every image, else positions in the sorted reference)."""
    return (rows if whole else to_reference[rows])[:, None]


def duplicates_of(
    project: Project, vectors: ProjectVectors, new: NewImages, near: Nearest
) -> list[dict[str, Any]]:
    """New images that are copies of project images: identical bytes (``exact``), or a
    nearest image with similar embeddings, perceptual hashes and pixels (``near``; the
    rules and thresholds of :mod:`.duplicates`). A copy of a val or test image means
    the new data would leak into the project's evaluation if added as training data,
    and a copy of a train image would leak into any test built from the new data."""
    from labeldesk.core.image_rows import usable_images_like
    from labeldesk.core.imageio import cached_phash, hash_distance
    from labeldesk.core.indexed_files import thumbnail_path

    from .near_defaults import DEFAULT_HASH_DISTANCE, DEFAULT_THRESHOLD
    from .pixel_match import DEFAULT_PIXEL_DIFFERENCE, pixel_difference

    # Only the rows that can be a copy: the new images' contents and their nearest
    # project images' (with every copy of those contents, of which the most telling one
    # is reported), not a million rows read for a thousand new images.
    nearest_paths = {vectors.paths[int(r)] for r in near.project_rows[:, 0] if r >= 0}
    rows = usable_images_like(project.db, new.hashes, nearest_paths)
    by_hash: dict[str, Any] = {}
    for r in sorted(rows, key=telling):  # of a project's copies, the most telling one
        by_hash.setdefault(r["hash"], r)
    by_path = {r["path"]: by_hash.get(r["hash"], r) for r in rows}
    found: list[dict[str, Any]] = []
    for i, (path, digest) in enumerate(zip(new.paths, new.hashes, strict=True)):
        if digest in by_hash:
            hit = by_hash[digest]
            found.append(_copy(path, hit, "exact", 1.0))
            continue
        row = int(near.project_rows[i, 0])
        sim = float(near.project_sims[i, 0])
        if row < 0 or sim < DEFAULT_THRESHOLD:
            continue
        hit = by_path.get(vectors.paths[row])
        if hit is None:
            continue
        try:
            theirs = hit["phash"]
            if theirs is None:
                theirs = cached_phash(project.thumbnail(hit["path"]))
            ours = new.phashes[i]
            if ours is None or hash_distance(int(ours), int(theirs)) > DEFAULT_HASH_DISTANCE:
                continue
            from PIL import Image

            with (
                Image.open(thumbnail_path(project.thumbs_dir, digest)) as a,
                Image.open(project.thumbnail(hit["path"])) as b,
            ):
                if pixel_difference(a.convert("L"), b.convert("L")) > DEFAULT_PIXEL_DIFFERENCE:
                    continue
        except Exception:  # a thumbnail gone or broken: no pixel evidence, no copy claimed
            continue
        found.append(_copy(path, hit, "near", sim))
    return found


SPLIT_RANK = {"test": 0, "val": 1, "train": 2}


def telling(row: Any) -> tuple[bool, int, bool, str]:
    """Which of a project's identical images a copy is reported against: one in use
    (not excluded) first, a test image first, then val, then train (a copy of one is
    leakage), then a labeled one, then by path."""
    excluded = row["status"] == EXCLUDED
    return (excluded, SPLIT_RANK.get(row["split"], 3), row["label"] is None, row["path"])


def _copy(path: str, hit: Any, kind: str, similarity: float) -> dict[str, Any]:
    return {
        "path": path,
        "project_path": hit["path"],
        "kind": kind,
        "similarity": round(cosine(similarity), 4),
        "label": hit["label"],
        "split": hit["split"],
    }
