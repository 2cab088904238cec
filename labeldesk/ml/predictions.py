"""Project-level predictions: every embedded image's class probabilities, out of sample.

Computed from the current embeddings and labels with the linear probe
(:mod:`labeldesk.ml.probe`), out-of-fold for labeled train images, mixed with a vote of
each image's nearest labeled neighbours from the cached kNN graph (an image never votes
for itself). On Fashion-MNIST with 10 % planted errors the mix ranks errors better than the
probe alone (benchmarks/bench_label_quality.py, part b). A second pass refits without the
labels the first one finds likely wrong (``out_of_sample_probs``); with enough labels, a
second probe on the images' own coarse pixels is mixed in (:mod:`labeldesk.ml.pixel_view`).
Images the probe's training never saw (val, test, unlabeled) take the newest trained head
instead, when one was trained on these embeddings and the current labels. Cached in the
project folder and keyed by what they depend on (embedded images, label history position,
model version), so they refresh by themselves after a labeling batch, a scan, an embed or
a training run, and cost nothing when nothing changed. The probabilities themselves are
computed in :mod:`labeldesk.ml.out_of_sample` (its names are importable from here too; a
test that swaps one patches it there, where it is looked up).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from labeldesk.core.labels import last_event_id
from labeldesk.core.progress import ProgressCallback, no_progress
from labeldesk.core.single_flight import StopCheck, shared, stop_token
from labeldesk.core.vocab import EXCLUDED

from .errors import NoEmbeddings
from .json_digest import json_sha1
from .models import ModelVersion
from .neighbors import neighbor_graph
from .out_of_sample import CLEAN_CLEAR_RATIO as CLEAN_CLEAR_RATIO
from .out_of_sample import CLEAN_MAX_SHARE as CLEAN_MAX_SHARE
from .out_of_sample import CLEAN_MIN_PER_CLASS as CLEAN_MIN_PER_CLASS
from .out_of_sample import CLEAN_ROUNDS, enough_to_clean, out_of_sample_probs
from .out_of_sample import KNN_K as KNN_K
from .out_of_sample import KNN_TEMPERATURE as KNN_TEMPERATURE
from .out_of_sample import KNN_WEIGHT as KNN_WEIGHT
from .out_of_sample import knn_votes as knn_votes
from .out_of_sample import one_blas_thread as one_blas_thread
from .out_of_sample import reduced_features as reduced_features
from .out_of_sample import scored_predictions as scored_predictions
from .out_of_sample import suspects as suspects
from .pixel_view import MAX_ROWS as PIXEL_MAX_ROWS
from .pixel_view import PROBE_C as PIXEL_C
from .pixel_view import PROBE_DIMS as PIXEL_DIMS
from .pixel_view import VERSION as PIXEL_VIEW
from .pixel_view import pixel_view, thumbnails_stamp
from .predictions_cache import NOT_MISSING, Computed, made, read_cache
from .row_labels import RowLabels, row_labels
from .store import (
    EmbeddedImages,
    ProjectVectors,
    embedded_images,
    embeddings_dir,
    mapped_project_vectors,
    project_vectors,
)
from .train import head_probabilities

if TYPE_CHECKING:
    from labeldesk.core.progress import CancelToken
    from labeldesk.core.project import Project

# Part of the cache key: bump it when the way predictions are computed changes.
# v5: a one-class fold is not OOF; v6: the pixel view (pixel_view.VERSION) mixed in;
# v7: the probes' C 1 -> 2 (probe.C_REG); v8: the file says whether thumbnails were
# missing (``thumbs_seen``: looked at again when their folders change); v9: folds that
# stay put (probe.stable_folds, from the images' content hashes)
ALGORITHM = "pca256-logreg-5fold+knn10-clean1-min40-v9"


@dataclass
class Predictions:
    paths: list[str]
    classes: list[str]
    labels: np.ndarray  # class index per row, -1 unlabeled
    splits: list[str | None]
    statuses: list[str | None]
    probs: np.ndarray  # (N, C)
    out_of_fold: np.ndarray  # bool (N,)
    unjudgeable: np.ndarray | None = None  # bool (N,): rows these predictions cannot judge
    pixel_share: float = 0.0  # the pixel view's share in the mix (pixel_view.blend_weight)
    # images a cross-fit could not read, so left unjudged: {"path", "reason"} (the API's
    # ld.crossfit_predictions fills it; empty elsewhere)
    failed: list[dict[str, str]] = field(default_factory=list)

    @property
    def predicted(self) -> np.ndarray:
        """Top class per row; -1 everywhere when the project has no classes."""
        if self.probs.shape[1] == 0:
            return np.full(len(self.probs), -1, dtype=np.int64)
        return self.probs.argmax(axis=1)

    @property
    def confidence(self) -> np.ndarray:
        if self.probs.shape[1] == 0:
            return np.full(len(self.probs), np.nan)
        return self.probs.max(axis=1)

    @property
    def meaningful(self) -> bool:
        """Whether the predictions say anything: a model needs trainable labels of at least
        two classes (with one, every image is that class at 100 %; with none, uniform)."""
        return meaningful(self.labels, self.splits, self.statuses)

    def to_json(self) -> list[dict[str, Any]]:
        """One row per image; predicted and confidence None while not :attr:`meaningful`."""
        names = self.classes
        shown = self.meaningful
        return [
            {
                "path": p,
                "predicted": names[k] if shown else None,
                "confidence": round(float(c), 4) if shown else None,
                "label": names[lab] if lab >= 0 else None,
                "split": split,
            }
            for p, k, c, lab, split in zip(
                self.paths, self.predicted, self.confidence, self.labels, self.splits, strict=True
            )
        ]


def meaningful(labels: np.ndarray, splits: list[str | None], statuses: list[str | None]) -> bool:
    """Whether predictions from these labels say anything (:attr:`Predictions.meaningful`):
    known before any is made."""
    return len(np.unique(labels[training_mask(labels, splits, statuses)])) >= 2


def training_mask(
    labels: np.ndarray, splits: list[str | None], statuses: list[str | None]
) -> np.ndarray:
    """Rows a model may learn from: labeled, in train, not excluded."""
    return (
        (labels >= 0)
        & np.array([s == "train" for s in splits], dtype=bool)
        & np.array([st != EXCLUDED for st in statuses], dtype=bool)
    )


def project_predictions(
    project: Project,
    vectors: ProjectVectors | None = None,
    *,
    pixels: bool = True,
    head: bool = True,
    cancel: CancelToken | None = None,
    progress: ProgressCallback = no_progress,
) -> Predictions:
    """Out-of-sample probabilities for every embedded image (cached; see module doc), row
    by row aligned with ``vectors`` (read now when not given). ``pixels=False``: without
    the pixel view (:mod:`labeldesk.ml.pixel_view`), from the embeddings alone, as images
    outside the project are predicted (drift's model outputs). ``head=False``: the probe
    and the kNN vote on all the train labels only, never a trained head nor the cleaning
    refit: exactly the model images outside the project get (drift scores its new images
    so, and its two sides must come from one model). ``progress``: told each probe's
    folds as they are fitted (:func:`~.out_of_sample.out_of_sample_probs`), when they are
    computed here (not read from the cache, nor waited for from another job making them)."""
    vectors = vectors or project_vectors(project)
    # labels, classes and the event id the cache is keyed by, in one read: read apart, a
    # label set in between cached the old labels' probabilities under the new state
    state = row_labels(project, vectors)
    classes, labels, statuses, splits = state.classes, state.labels, state.statuses, state.splits
    ids = vectors.ids
    if not classes:  # nothing to predict: no probe, no kNN vote (no classes to vote for)
        empty = np.zeros((len(ids), 0))
        return Predictions(
            vectors.paths,
            classes,
            labels,
            splits,
            statuses,
            empty,
            np.zeros(len(ids), dtype=bool),
        )
    cache, prefix, model = _cache_file(project, vectors, state, pixels=pixels, head=head)
    cached = read_cache(cache, len(vectors.paths), len(classes))
    if cached is not None and int(cached["thumbs_seen"].reshape(1)[0]) == NOT_MISSING:
        probs, oof = cached["probs"], cached["oof"]
        share = float(cached["pixel_share"].reshape(1)[0])
    else:  # computed once for every job (and process) asking now (core.single_flight)

        def make(stop_check: StopCheck) -> tuple[np.ndarray, np.ndarray, float]:
            def compute(view: np.ndarray | None) -> Computed:
                return _computed(
                    project, vectors, state, model, view,
                    pixels=pixels, head=head, stop_check=stop_check, progress=progress,
                )  # fmt: skip

            return made(project, vectors, cache, prefix, len(classes), compute)

        def current() -> bool:  # (a keeper keeps it only for the labels it is for)
            return last_event_id(project.db) == state.event_id

        lock_file = cache.with_name(f".{cache.stem}.lock")
        probs, oof, share = shared(
            str(cache), make, cancel=cancel, lock_file=lock_file, current=current
        )
    return Predictions(
        vectors.paths, classes, labels, splits, statuses, probs, oof, pixel_share=share
    )


def _computed(
    project: Project,
    vectors: ProjectVectors,
    state: RowLabels,
    model: ModelVersion | None,
    view: np.ndarray | None,
    *,
    pixels: bool,
    head: bool,
    stop_check: StopCheck,
    progress: ProgressCallback = no_progress,
) -> Computed:
    """:func:`project_predictions`' values computed now (the cache did not hold them:
    :func:`~labeldesk.ml.predictions_cache.made`), and the thumbnails stamp when they were
    made without the pixel view for want of thumbnails. ``view``: the pixel view when the
    cache's look read it. ``stop_check`` between the steps and the probe's fits."""
    labels, splits, statuses, classes = state.labels, state.splits, state.statuses, state.classes
    trainable = training_mask(labels, splits, statuses)
    graph = neighbor_graph(project, vectors=vectors, cancel=stop_token(stop_check))
    stop_check()
    wanted = pixels and enough_to_clean(labels, trainable)
    seen = thumbnails_stamp(project) if wanted else 0  # before the view reads them
    if wanted and view is None:
        view = pixel_view(project, vectors)
        stop_check()

    def from_head(features: np.ndarray) -> np.ndarray | None:
        # None: the checkpoint is damaged (warned)
        return head_probabilities(project, model, features) if model is not None else None

    mix: dict[str, float] = {}
    probs, oof = out_of_sample_probs(
        vectors.vectors, labels, trainable, len(classes), graph.sims, graph.rows, from_head,
        pixels=view if wanted else None, mix=mix, clean_rounds=CLEAN_ROUNDS if head else 0,
        fold_keys=fold_keys(vectors.hashes), stop_check=stop_check, progress=progress,
    )  # fmt: skip
    # None for want of thumbnails (not for a project too large for the view)
    missing = wanted and view is None and len(vectors.paths) <= PIXEL_MAX_ROWS
    return probs, oof, mix.get("pixel_share", 0.0), seen if missing else None


def cached_predictions(project: Project) -> Predictions | None:
    """The project's predictions, as :func:`project_predictions` gives them, when its
    cache holds them (what `issues` and the app showed last, if nothing they depend on
    changed since: None too when they were made without some thumbnails and one has
    come since, as `issues` may make them again); else None. Computes nothing and reads
    no vector: a count of flags from them costs a read of one small file."""
    try:
        images = embedded_images(project)
    except NoEmbeddings:
        return None
    state = row_labels(project, images)
    if not state.classes:
        return None
    return _from_cache(project, images, state)


def predictions_if_cached(
    project: Project, vectors: ProjectVectors, *, pixels: bool = True, head: bool = True
) -> Predictions | None:
    """What :func:`project_predictions` gives for ``vectors`` (``pixels`` and ``head`` as
    there) when it would compute nothing (no classes, or its cache holds them and no
    thumbnail changed since they were made without some), without touching
    ``vectors.vectors``; else None."""
    state = row_labels(project, vectors)
    if not state.classes:
        return project_predictions(project, vectors)  # reads no vector either
    return _from_cache(project, vectors, state, pixels=pixels, head=head)


def _from_cache(
    project: Project,
    images: ProjectVectors | EmbeddedImages,
    state: RowLabels,
    *,
    pixels: bool = True,
    head: bool = True,
) -> Predictions | None:
    """The predictions of ``images`` (labels ``state``, some classes) that the cache
    holds, else None; None too when they were made without some thumbnails and one has
    come since (:func:`project_predictions` then looks whether to make them again)."""
    cache, _, _ = _cache_file(project, images, state, pixels=pixels, head=head)
    cached = read_cache(cache, len(images.paths), len(state.classes))
    if cached is None:
        return None
    looked = int(cached["thumbs_seen"].reshape(1)[0])
    if looked != NOT_MISSING and thumbnails_stamp(project) != looked:
        return None
    share = float(cached["pixel_share"].reshape(1)[0])
    return Predictions(
        images.paths, state.classes, state.labels, state.splits, state.statuses,
        cached["probs"], cached["oof"], pixel_share=share,
    )  # fmt: skip


def quick_predictions(project: Project, cancel: CancelToken | None = None) -> Predictions:
    """:func:`project_predictions` for the project, reading every vector only when they
    must be computed (a cached answer reads none); ``cancel`` as there."""
    return predictions_if_cached(project, mapped_project_vectors(project)) or (
        project_predictions(project, cancel=cancel)
    )


def _cache_file(
    project: Project,
    vectors: ProjectVectors | EmbeddedImages,
    state: RowLabels,
    *,
    pixels: bool,
    head: bool,
) -> tuple[Path, str, ModelVersion | None]:
    """The cache file of these predictions (keyed by all they depend on), its name's
    prefix, and the trained head they use (None: the probe alone)."""
    classes, last_event = state.classes, state.event_id
    model = current_head(project, vectors.key, classes, last_event) if head else None
    key = json_sha1(
        [
            ALGORITHM,
            PIXEL_VIEW if pixels else None,
            PIXEL_DIMS,
            PIXEL_C,
            vectors.key,
            vectors.generation,  # a rebuilt store: same images, other vectors
            classes,
            last_event,
            vectors.hashes,  # a million of these, and of the splits: in pieces
            state.splits,
            model.id if model else None,
            *([] if head else ["no-head-no-cleaning"]),  # never read for the other
        ]
    )[:16]
    # "predictions-*" is also what a write of the default clears, and what vectors.DERIVED
    # names: the plain ones are kept only until the next change of the default ones
    prefix = ("predictions-" if pixels else "predictions-plain-") + ("" if head else "probe-")
    return embeddings_dir(project) / vectors.key / f"{prefix}{key}.npz", prefix, model


def fold_keys(hashes: list[str]) -> np.ndarray:
    """A number in [0, 1) per image from its content hash (hex), fixed for the image
    and as random as a shuffle: the probes' folds are made from them
    (:func:`~labeldesk.ml.probe.stable_folds`), so fixing one label moves a few images to
    another fold, not all, and the other flags stay where they were. Copies of a picture
    share the number, so they sit side by side in one fold but at a run's end."""
    return np.array([int(h[:13], 16) for h in hashes], dtype=np.float64) / 16.0**13


def current_head(
    project: Project, embedding_key: str, classes: list[str], label_state: int
) -> ModelVersion | None:
    """The head in use (:mod:`labeldesk.ml.model_choice`) for these embeddings and
    classes, when it was trained on the current labels; a head pinned by hand is used
    even after labels change (a person chose it), others give way to the probe then."""
    from .model_choice import in_use, why_unused

    chosen = in_use(project, embedding_key)
    return chosen.version if why_unused(project, chosen, classes, label_state) is None else None
