"""The project side of drift's model outputs (:mod:`.drift_outputs`): the plain
predictions (:func:`~.predictions.project_predictions` with ``pixels=False, head=False``:
the probe out of fold and the neighbours' vote) of the rows the output tests compare, and
of no other.

A first check made those predictions for every row, though the tests read a sample: at a
million rows, the neighbours of every row (~5 min of CPU) and a copy of every vector.
Here the probe is fitted with the same folds and fits, on a PCA fitted on a seeded
sample of at most 100,000 rows, kept across relabels and applied only to the rows the
fits and predictions read (:mod:`.drift_pca`; the PCA of every row made 2 GB of a 1M-row
check's peak), and only the rows compared are predicted, with neighbours searched for
them alone (:func:`~.search.graph_rows_of`, on the index the project's graph is made
with; the project's graph itself when cached). Against every row's predictions the
figures move as little as the probe's fits allow (they stop short of convergence, so
the features' centring and scale show): at a million rows 1 of 10,000 reference rows
changed its predicted class and a class's mean confidence moved by up to 0.014
(benchmarks/RESULTS.md, session 50). Every row's predictions are not read even when
cached: the report does not depend on what else was computed before it.

Cached by what they depend on (the vectors, the rows' labels, splits and exclusions, the
rows compared), not by the position in the label history: a change undone, or one to a
review status, finds them again. A few versions are kept, so going back to a set of
labels costs nothing; the neighbours of the rows searched, which no label changes, are
kept beside them and grow with each check (:func:`neighbours_of`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

import numpy as np

from labeldesk.core.vocab import EXCLUDED

from .cachefiles import read_arrays, replace_versions, rows_of
from .json_digest import json_sha1

if TYPE_CHECKING:
    from labeldesk.core.project import Project

    from .row_labels import RowLabels
    from .store import ProjectVectors

MIN_EVAL = 10  # fewer evaluation images than this: try the next source
MAX_EVAL = 10_000  # evaluation rows the confidence threshold is taken from (a sample above)
KEEP = 4  # versions of the predictions kept (other label states)
VERSION = "drift-rows-v2"  # v2: the probe on drift_pca's sampled PCA


@dataclass
class ProjectSide:
    """What the output tests take from the project's predictions."""

    reference_probs: np.ndarray  # (len(reference), C)
    eval_source: str  # "test", "val", "out-of-fold train" or "none"
    eval_confidence: np.ndarray
    eval_correct: np.ndarray  # bool: the top class is the label


def project_side(project: Project, vectors: ProjectVectors, reference: np.ndarray) -> ProjectSide:
    """The plain predictions of the ``reference`` rows and of the evaluation rows (the
    test split, else val, else out-of-fold train; a seeded sample of ``MAX_EVAL`` when
    more): from this module's cache, else computed for those rows only.

    Never from the project's full plain predictions, even when cached (a first check
    of LabelDesk before session 49 made them, and ``project_predictions(pixels=False,
    head=False)`` does): their probe is fitted on the PCA of every row, this one on the
    PCA of a sample (:mod:`.drift_pca`), and a report took its figures from whichever
    was there, so one folder checked against the same labels gave other figures
    depending on whether they had been made."""
    from .row_labels import row_labels

    reference = np.asarray(reference, dtype=np.int64)
    state = row_labels(project, vectors)
    cache = _cache_file(project, vectors, state, reference)
    found = read_arrays(
        cache,
        ("reference", "rows", "probs", "source"),
        lambda a: (
            rows_of(a["reference"], len(reference), None, "i")
            or rows_of(a["probs"], len(reference) + len(a["rows"]), len(state.classes), "f")
        ),
    )
    if found is not None and np.array_equal(found["reference"], reference):
        n = len(reference)
        source = str(found["source"].reshape(1)[0])
        probs = found["probs"]
        return _side(reference, source, found["rows"], state.labels, probs[:n], probs[n:])
    source, rows, probs = _computed(project, vectors, state, reference)
    _save(cache, reference, rows, probs, source)
    return _side(reference, source, rows, state.labels, probs[: len(reference)],
                 probs[len(reference):])  # fmt: skip


def _side(
    reference: np.ndarray,
    source: str,
    rows: np.ndarray,
    labels: np.ndarray,
    reference_probs: np.ndarray,
    eval_probs: np.ndarray,
) -> ProjectSide:
    if len(rows) == 0 or eval_probs.shape[1] == 0:
        return ProjectSide(reference_probs, "none", np.zeros(0), np.zeros(0, dtype=bool))
    correct = eval_probs.argmax(axis=1) == labels[rows]
    return ProjectSide(reference_probs, source, eval_probs.max(axis=1), correct)


def _computed(
    project: Project, vectors: ProjectVectors, state: RowLabels, reference: np.ndarray
) -> tuple[str, np.ndarray, np.ndarray]:
    """(evaluation source, its rows, the probabilities of ``reference`` then those rows),
    as :func:`~.predictions.project_predictions` (plain) would give them."""
    from .drift_pca import projected_rows
    from .out_of_sample import KNN_WEIGHT, knn_votes, one_blas_thread
    from .predictions import fold_keys, training_mask
    from .probe import fit_probe

    labels, n_classes = state.labels, len(state.classes)
    trainable = training_mask(labels, state.splits, state.statuses)
    # label-free, so kept across relabels: the PCA of a seeded sample of the rows, applied
    # to the rows each fit and prediction reads (not a reduced copy of every row)
    reduced = cast(np.ndarray, projected_rows(project, vectors))
    with one_blas_thread():
        fitted = fit_probe(
            reduced, labels, trainable, n_classes, seed=0, fit_mask=trainable.copy(),
            fold_keys=fold_keys(vectors.hashes), reduced=True,
        )  # fmt: skip
    source, rows = evaluation_rows(labels, state.splits, fitted.out_of_fold)
    wanted = np.concatenate([reference, rows])
    probs = fitted.probabilities(wanted)
    sims, neighbours = neighbours_of(project, vectors, wanted)
    votes, evidence = knn_votes(sims, neighbours, labels, trainable, n_classes)
    weight = KNN_WEIGHT * evidence[:, None]
    return source, rows, (1 - weight) * probs + weight * votes


def evaluation_rows(
    labels: np.ndarray, splits: list[str | None], out_of_fold: np.ndarray
) -> tuple[str, np.ndarray]:
    """Labeled rows whose predictions came from a model that never saw their label: the
    test split, else val, else the out-of-fold train predictions; a seeded sample of
    ``MAX_EVAL`` of them, stratified by label, when more."""
    from .drift_sample import stratified_sample

    split = np.array([s or "" for s in splits])
    for name, rows in (
        ("test", np.flatnonzero((labels >= 0) & (split == "test") & ~out_of_fold)),
        ("val", np.flatnonzero((labels >= 0) & (split == "val") & ~out_of_fold)),
        ("out-of-fold train", np.flatnonzero((labels >= 0) & out_of_fold)),
    ):
        if len(rows) >= MIN_EVAL:
            return name, stratified_sample(rows, labels[rows].tolist(), MAX_EVAL, 0)
    return "none", np.zeros(0, dtype=np.int64)


def neighbours_of(
    project: Project, vectors: ProjectVectors, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(similarities, neighbour rows) of ``rows`` in the project's kNN graph
    (:func:`~.neighbors.neighbor_graph`): from it when cached, else searched for these
    rows alone on the index it is made with, and kept (no label changes them).
    ``vectors`` may be the mapped rows (:func:`~.store.mapped_project_vectors`): only
    ``rows``' vectors are read (the index, above ``GRAPH_EXACT_MAX`` rows, is the
    store's, with its own), not a float32 copy of every row (0.5 GB at 100k rows)."""
    from .neighbors import cached_graph, graph_cache, search_index
    from .search import GRAPH_EXACT_MAX, IndexConfig, VectorIndex, graph_rows_of

    graph = cached_graph(project, vectors=vectors)
    if graph is not None:
        return graph.sims[rows], graph.rows[rows]
    full, k = graph_cache(project, vectors)
    cache = full.with_name(f"drift-{full.name}")
    n = len(vectors.paths)
    kept = read_arrays(
        cache,
        ("own", "sims", "rows"),
        lambda a: (
            rows_of(a["sims"], len(a["own"]), k, "f") or rows_of(a["rows"], len(a["own"]), k, "i")
        ),
    )
    own = kept["own"] if kept is not None else np.zeros(0, dtype=np.int64)
    sims = kept["sims"] if kept is not None else np.zeros((0, k), dtype=np.float32)
    found = kept["rows"] if kept is not None else np.zeros((0, k), dtype=np.int64)
    if len(own) and (own.max() >= n or found.max() >= n):
        own, sims, found = own[:0], sims[:0], found[:0]
    missing = np.setdiff1d(rows, own)
    if len(missing):
        if n > GRAPH_EXACT_MAX:  # as neighbor_graph: the persistent index
            index = search_index(project, vectors)
        else:
            index = VectorIndex(vectors.vectors, IndexConfig.choose(n, exact_max=GRAPH_EXACT_MAX))
        new_sims, new_rows = graph_rows_of(index, vectors.vectors[missing], k, missing)
        own = np.concatenate([own, missing])
        order = np.argsort(own, kind="stable")
        own = own[order]
        sims = np.concatenate([sims, new_sims])[order]
        found = np.concatenate([found, new_rows])[order]
        _save_neighbours(cache, own, sims, found)
    at = np.searchsorted(own, rows)
    return sims[at], found[at]


def _save_neighbours(cache: Path, own: np.ndarray, sims: np.ndarray, rows: np.ndarray) -> None:
    def write(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            np.savez(f, own=own, sims=sims, rows=rows)

    replace_versions(cache, "drift-knn-*.npz", write)


def _cache_file(
    project: Project, vectors: ProjectVectors, state: RowLabels, reference: np.ndarray
) -> Path:
    """The cache file of these rows' predictions, keyed by all they depend on."""
    from .predictions import ALGORITHM
    from .store import embeddings_dir

    excluded = [s == EXCLUDED for s in state.statuses]
    key = json_sha1(
        [
            VERSION, ALGORITHM, MAX_EVAL, vectors.key, vectors.generation, state.classes,
            vectors.hashes, state.labels.tolist(), state.splits, excluded, reference.tolist(),
        ]
    )[:16]  # fmt: skip
    return embeddings_dir(project) / vectors.key / f"drift-outputs-{key}.npz"


def _save(
    cache: Path, reference: np.ndarray, rows: np.ndarray, probs: np.ndarray, source: str
) -> None:
    """Write the file, keeping the ``KEEP`` - 1 newest other versions (other labels)."""
    older = sorted(
        (p for p in cache.parent.glob("drift-outputs-*.npz") if p != cache),
        key=lambda p: p.stat().st_mtime,
    )
    for old in older[: max(0, len(older) - (KEEP - 1))]:
        old.unlink(missing_ok=True)

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            np.savez(f, reference=reference, rows=rows, probs=probs, source=np.array(source))

    replace_versions(cache, cache.name, write)
