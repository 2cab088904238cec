"""The PCA of drift's project-side probe (:mod:`.drift_predictions`): fitted on a
bounded, seeded sample of the project's rows, kept on disk, and applied to a row only
when the probe reads it.

The probe was fitted on the PCA of every row, computed anew at each first check: at a
million rows the reduced matrix (1 GB) and the probe's centred copy of it (1 GB more)
made most of the check's 4.3 GB peak, though each of the probe's fits learns from at
most :data:`~.probe.FIT_MAX` rows and the tests compare about 20,000. Here the axes come
from the exact covariance of a seeded uniform sample of at most :data:`FIT_MAX` rows
(every row of a smaller project: then the same axes, mean and scale as the PCA of every
row, up to the solver), the rows are centred by that sample's mean and scaled to unit
mean square on it, and :class:`ProjectedRows` reduces the rows a fit or a prediction
reads, a chunk at a time.

No label enters it: it depends on the vectors and the rows sampled only, so it is kept
(``drift-pca-KEY.npz`` beside the vectors, keyed by the model, the store's generation and
the sampled rows' contents) and a relabel, which fits the probe again, reads it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .cachefiles import read_arrays, replace_versions, rows_of
from .json_digest import json_sha1
from .pca_chunks import moments
from .probe import PCA_DIMS, PCA_FIT_MAX

if TYPE_CHECKING:
    from labeldesk.core.project import Project

    from .store import ProjectVectors

VERSION = "drift-pca-v1"
CHUNK = 32_768  # rows converted to float32 and projected at once
FIT_MAX = PCA_FIT_MAX  # rows the PCA is fitted on (a seeded sample above)


@dataclass(frozen=True)
class RowsPCA:
    """Centre by ``mean``, project on ``axes`` (None: centring only, when the vectors
    have no more dimensions than the probe keeps), divide by ``scale``."""

    mean: np.ndarray  # float32 (dim,)
    axes: np.ndarray | None  # float32 (dim, dims)
    scale: float

    @property
    def dims(self) -> int:
        return len(self.mean) if self.axes is None else self.axes.shape[1]

    def project(self, block: np.ndarray) -> np.ndarray:
        """``block``'s rows reduced (float32)."""
        x = np.asarray(block, dtype=np.float32)
        if self.axes is None:
            out = x - self.mean
        else:
            out = x @ self.axes
            out -= self.mean @ self.axes
        out /= np.float32(self.scale)
        return out


class ProjectedRows:
    """``vectors`` (an array or :class:`~.store_rows.StoreRows`) as an (N, dims) array
    whose rows are reduced by ``pca`` when indexed (``x[rows]``): only the rows read are
    converted, never the N at once."""

    ndim = 2
    dtype = np.dtype(np.float32)

    def __init__(self, vectors: Any, pca: RowsPCA):
        self._vectors, self._pca = vectors, pca
        self.shape = (len(vectors), pca.dims)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, key: Any) -> np.ndarray:
        rows = np.arange(len(self))[key]
        if np.ndim(rows) == 0:
            return self._pca.project(self._vectors[np.asarray([rows])])[0]
        out = np.empty((len(rows), self.shape[1]), dtype=np.float32)
        for start in range(0, len(rows), CHUNK):
            part = rows[start : start + CHUNK]
            out[start : start + len(part)] = self._pca.project(self._vectors[part])
        return out


def fit_pca(features: Any, rows: np.ndarray, dims: int = PCA_DIMS) -> RowsPCA:
    """The PCA of ``features[rows]`` (exact, from their covariance, read in chunks)."""
    mean, cov = moments(features, rows)
    if cov.shape[0] <= dims or len(rows) <= dims:
        total = float(np.trace(cov))
        return RowsPCA(mean.astype(np.float32), None, float(np.sqrt(max(total, 0.0))) or 1.0)
    values, vecs = np.linalg.eigh(cov)  # ascending
    axes = np.ascontiguousarray(vecs[:, ::-1][:, :dims], dtype=np.float32)
    kept = float(np.clip(values[::-1][:dims], 0.0, None).sum())  # the sample's mean square
    return RowsPCA(mean.astype(np.float32), axes, float(np.sqrt(kept)) or 1.0)


def sample_rows(n: int, seed: int = 0, most: int | None = None) -> np.ndarray:
    """The rows the PCA is fitted on: every row, or a seeded uniform sample of ``most``
    (default :data:`FIT_MAX`)."""
    most = FIT_MAX if most is None else most
    if n <= most:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, most, replace=False))


def projected_rows(project: Project, vectors: ProjectVectors, seed: int = 0) -> ProjectedRows:
    """``vectors``' rows reduced by the PCA of a seeded sample of them: read from its
    cache file, else fitted and kept."""
    features = vectors.vectors
    rows = sample_rows(len(features), seed)
    cache = _cache_file(project, vectors, rows, seed)
    dim = int(features.shape[1])
    found = read_arrays(
        cache,
        ("mean", "axes", "scale"),
        lambda a: (
            rows_of(a["mean"], dim, None, "f")
            or rows_of(a["scale"], 1, None, "f")
            or (None if a["axes"].size == 0 else rows_of(a["axes"], dim, a["axes"].shape[1], "f"))
        ),
    )
    if found is not None:
        axes = found["axes"] if found["axes"].size else None
        pca = RowsPCA(found["mean"], axes, float(found["scale"][0]))
    else:
        pca = fit_pca(features, rows)
        _save(cache, pca)
    return ProjectedRows(features, pca)


def _cache_file(project: Project, vectors: ProjectVectors, rows: np.ndarray, seed: int) -> Path:
    from .store import embeddings_dir

    key = json_sha1(
        [
            VERSION, PCA_DIMS, seed, vectors.key, vectors.generation, len(vectors.hashes),
            [vectors.hashes[r] for r in rows.tolist()],
        ]
    )[:16]  # fmt: skip
    return embeddings_dir(project) / vectors.key / f"drift-pca-{key}.npz"


def _save(cache: Path, pca: RowsPCA) -> None:
    """Write the file, replacing the PCA of other rows (they are those of a project with
    other images: its PCA would not be asked for again unless they came back)."""
    axes = pca.axes if pca.axes is not None else np.zeros((0, 0), dtype=np.float32)

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            np.savez(f, mean=pca.mean, axes=axes, scale=np.array([pca.scale]))

    replace_versions(cache, "drift-pca-*.npz", write)
