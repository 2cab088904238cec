"""The cross-fit's cache: one file per store, keyed by what the vectors depend on (the
model, the settings, the images' content), so it outlives label fixes, a copied or
restored project and a rebuilt store; images added since make it miss."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .cachefiles import read_arrays, replace_versions, rows_of
from .crossfit_fit import CrossFit, CrossFitParams
from .store import ProjectVectors, embeddings_dir

if TYPE_CHECKING:
    from labeldesk.core.project import Project

VERSION = "crossfit-v2"  # part of the cache key: bump when the fit or its file changes

UNREAD = "could not be read when the fit ran; Refit after fixing it"


def cache_file(project: Project, key: str, params: CrossFitParams = CrossFitParams()) -> Path:
    """Where the fit for the store ``key`` is cached. Keyed by what the vectors depend on
    (the model, the settings, the images' content), not by the store's file: a copied or
    restored project, or a rebuilt store, keeps its fit."""
    digest = hashlib.sha1(json.dumps([VERSION, asdict(params), key]).encode()).hexdigest()
    return embeddings_dir(project) / key / f"crossfit-{digest[:16]}.npz"


def cached_fit(
    project: Project, vectors: ProjectVectors, params: CrossFitParams = CrossFitParams()
) -> CrossFit | None:
    """The cached fit when it holds a vector for every embedded image, else None."""
    path = cache_file(project, vectors.key, params)
    dim = vectors.vectors.shape[1] if vectors.vectors.ndim == 2 else None

    def check(a: dict[str, np.ndarray]) -> str | None:
        n = len(a["hashes"])
        return (
            rows_of(a["vectors"], n, dim, "f")
            or rows_of(a["folds"], n, None, "i")
            or rows_of(a["fitted"], n, None, "b")
        )

    arrays = read_arrays(path, ("hashes", "vectors", "folds", "fitted"), check)
    if arrays is None:
        return None
    row_of = {str(h): i for i, h in enumerate(arrays["hashes"])}
    rows = [row_of.get(h) for h in vectors.hashes]
    if any(r is None for r in rows):
        return None  # images added since the fit
    taken = np.array(rows, dtype=np.int64)
    fitted = arrays["fitted"][taken].astype(bool)
    out = arrays["vectors"][taken].astype(np.float32)
    out[~fitted] = vectors.vectors[~fitted]  # today's frozen vectors, unused by the scoring
    failed = [{"path": vectors.paths[r], "reason": UNREAD} for r in np.flatnonzero(~fitted)]
    return CrossFit(out, arrays["folds"][taken], False, failed, fitted)


def save(project: Project, vectors: ProjectVectors, params: CrossFitParams, fit: CrossFit) -> None:
    unique = dict.fromkeys(vectors.hashes)
    first = {h: i for i, h in reversed(list(enumerate(vectors.hashes)))}
    rows = np.array([first[h] for h in unique], dtype=np.int64)

    def write(tmp: Any) -> None:
        with open(tmp, "wb") as f:
            np.savez(
                f,
                hashes=np.array(list(unique), dtype=str),
                vectors=fit.vectors[rows],
                folds=fit.folds[rows],
                fitted=fit.fitted[rows],
            )

    replace_versions(cache_file(project, vectors.key, params), "crossfit-*.npz", write)
