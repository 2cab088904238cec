"""Project-level predictions: every embedded image's class probabilities, out of sample.

Computed from the current embeddings and labels with the linear probe
(:mod:`labeldesk.ml.probe`), out-of-fold for labeled train images, mixed with a vote of
each image's nearest labeled neighbours from the cached kNN graph (an image never votes
for itself). On Fashion-MNIST with 10 % planted errors the mix ranks errors better than the
probe alone (benchmarks/bench_label_quality.py, part b). Images the probe's
training never saw (val, test, unlabeled) take the newest trained head instead, when one
was trained on these embeddings and the current labels. Cached in the project folder and
keyed by what they depend on (embedded images, label history position, model version), so
they refresh by themselves after a labeling batch, a scan, an embed or a training run,
and cost nothing when nothing changed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from labeldesk.core.vocab import EXCLUDED, known_class_codes

from .cachefiles import read_arrays, replace_versions, rows_of
from .models import ModelVersion, last_label_event, latest
from .neighbors import neighbor_graph
from .probe import probe_probabilities
from .store import ProjectVectors, embeddings_dir, project_vectors
from .train import head_probabilities, read_head_meta

if TYPE_CHECKING:
    from labeldesk.core.project import Project

KNN_K = 10
KNN_TEMPERATURE = 0.05
KNN_WEIGHT = 0.5  # share of the kNN vote when all k neighbours have labels
# Part of the cache key: bump it when the way predictions are computed changes.
ALGORITHM = "pca256-logreg-5fold+knn10-v1"


@dataclass
class Predictions:
    paths: list[str]
    classes: list[str]
    labels: np.ndarray  # class index per row, -1 unlabeled
    splits: list[str | None]
    statuses: list[str | None]
    probs: np.ndarray  # (N, C)
    out_of_fold: np.ndarray  # bool (N,)

    @property
    def predicted(self) -> np.ndarray:
        return self.probs.argmax(axis=1) if self.probs.size else np.zeros(0, dtype=np.int64)

    @property
    def confidence(self) -> np.ndarray:
        return self.probs.max(axis=1) if self.probs.size else np.zeros(0)

    def confused(self, label: str, predicted: str) -> list[str]:
        """Paths labeled ``label`` that the model calls ``predicted`` (one cell of a
        confusion matrix; ``label == predicted`` gives the agreeing images)."""
        names = self.classes
        if label not in names or predicted not in names:
            return []
        given, guess = names.index(label), names.index(predicted)
        rows = np.flatnonzero((self.labels == given) & (self.predicted == guess))
        return [self.paths[r] for r in rows]

    def to_json(self) -> list[dict[str, Any]]:
        names = self.classes
        return [
            {
                "path": p,
                "predicted": names[k],
                "confidence": round(float(c), 4),
                "label": names[lab] if lab >= 0 else None,
            }
            for p, k, c, lab in zip(
                self.paths, self.predicted, self.confidence, self.labels, strict=True
            )
        ]


def training_mask(
    labels: np.ndarray, splits: list[str | None], statuses: list[str | None]
) -> np.ndarray:
    """Rows a model may learn from: labeled, in train, not excluded."""
    return (
        (labels >= 0)
        & np.array([s == "train" for s in splits], dtype=bool)
        & np.array([st != EXCLUDED for st in statuses], dtype=bool)
    )


def project_predictions(project: Project, vectors: ProjectVectors | None = None) -> Predictions:
    """Out-of-sample probabilities for every embedded image (cached; see module doc), row
    by row aligned with ``vectors`` (read now when not given)."""
    vectors = vectors or project_vectors(project)
    classes = project.classes()
    labels = known_class_codes(vectors.labels, classes, vectors.paths)
    ids = vectors.ids
    statuses_by_id = {s.image_id: s.status for s in project.image_states(ids.tolist())}
    statuses = [statuses_by_id.get(int(i)) for i in ids]
    last_event = last_label_event(project)
    head = current_head(project, vectors.key, classes, last_event)
    key = hashlib.sha1(
        json.dumps(
            [
                ALGORITHM,
                vectors.key,
                vectors.generation,  # a rebuilt store: same images, other vectors
                classes,
                last_event,
                vectors.hashes,
                vectors.splits,
                head.id if head else None,
            ]
        ).encode()
    ).hexdigest()[:16]
    cache = embeddings_dir(project) / vectors.key / f"predictions-{key}.npz"
    n, c = len(vectors.paths), len(classes)
    cached = read_arrays(
        cache,
        ("probs", "oof"),
        lambda a: rows_of(a["probs"], n, c, "f") or rows_of(a["oof"], n, None, "b"),
    )
    if cached is not None:
        probs, oof = cached["probs"], cached["oof"]
    else:
        trainable = training_mask(labels, vectors.splits, statuses)
        out = probe_probabilities(vectors.vectors, labels, trainable, len(classes))
        probs, oof = out.probs, out.out_of_fold
        if head is not None and (~oof).any():
            from_head = head_probabilities(project, head, vectors.vectors[~oof])
            if from_head is not None:  # None: the checkpoint is damaged (warned)
                probs[~oof] = from_head
        graph = neighbor_graph(project, vectors=vectors)
        votes, evidence = knn_votes(graph.sims, graph.rows, labels, trainable, len(classes))
        weight = KNN_WEIGHT * evidence[:, None]
        probs = (1 - weight) * probs + weight * votes

        def write(tmp: Path) -> None:
            with open(tmp, "wb") as f:
                np.savez(f, probs=probs, oof=oof)

        replace_versions(cache, "predictions-*.npz", write)
    return Predictions(vectors.paths, classes, labels, vectors.splits, statuses, probs, oof)


def knn_votes(
    sims: np.ndarray,
    rows: np.ndarray,
    labels: np.ndarray,
    trainable: np.ndarray,
    n_classes: int,
    k: int = KNN_K,
    temperature: float = KNN_TEMPERATURE,
) -> tuple[np.ndarray, np.ndarray]:
    """Similarity-weighted class votes of each row's k nearest neighbours that have a
    trainable label, and the share of those k that had one (0 = no evidence)."""
    sims, rows = sims[:, :k], rows[:, :k]
    voter = (rows >= 0) & trainable[np.maximum(rows, 0)]
    weights = np.where(voter, np.exp((sims - 1) / temperature), 0.0)
    votes = np.zeros((len(rows), n_classes))
    owners = np.repeat(np.arange(len(rows)), rows.shape[1])
    np.add.at(votes, (owners, labels[np.maximum(rows, 0)].ravel().clip(0)), weights.ravel())
    total = votes.sum(axis=1, keepdims=True)
    votes = np.divide(votes, total, out=np.full_like(votes, 1 / max(n_classes, 1)), where=total > 0)
    return votes, voter.mean(axis=1)


def current_head(
    project: Project, embedding_key: str, classes: list[str], label_state: int
) -> ModelVersion | None:
    """The newest complete head trained on these embeddings, classes and labels, if any."""
    head = latest(project, "head", embedding_key=embedding_key)
    if head is None or head.status != "complete" or head.label_event_id != label_state:
        return None
    meta = read_head_meta(project.path / str(head.checkpoint))
    return head if meta is not None and meta["classes"] == classes else None
