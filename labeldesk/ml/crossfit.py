"""Cross-fitted features: the backbone fine-tuned out of fold, for finding label errors.

The default scoring (:mod:`labeldesk.ml.predictions`) reads frozen ImageNet features, and
on look-alike classes no probe on those reaches much further, even one fit on the true
labels. A network fine-tuned on the images it scores learns their wrong labels and hides
them. Cross-fitting does both: the images are split into ``folds`` shuffled, stratified
parts; for each part a copy of the embeddings' backbone (every block after the stem, and
a fresh linear classifier) is fine-tuned on the OTHER parts' labels, then embeds its own
part, which it never saw. The stitched vectors go through the project's usual scoring
(probe out of fold, kNN vote, one cleaning round), without the pixel view
(:mod:`labeldesk.ml.pixel_view`): the fine-tuned features have learnt the images' pixels.
Exact copies of an image share a part, so no model learns an image's label from its copy.

Settings as ``benchmarks/bench_adapted_features.py --from-block 0``: 2 folds, 3 epochs,
AdamW at 3e-4 (the classifier 10x) with weight decay 0.01 and a one-cycle schedule, label
smoothing 0.1, batch norm kept at its ImageNet statistics, no augmentation. There, on
Fashion-MNIST with 10 % look-alike errors (224 px, one seed): AUROC 0.9761 and precision
at the number of errors 0.807, against 0.9658 / 0.737 for the frozen default (README).

It trains the whole network twice: a GPU's job (minutes), hours for thousands of images
on a laptop CPU. The vectors are cached by image content and stay valid when labels
change later (each image's vector still comes from a model that never saw it), so
rescoring after fixing labels takes seconds; images added since need a new fit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from labeldesk.core.errors import Cancelled
from labeldesk.core.progress import CancelToken, Progress, ProgressCallback, no_progress

from .backbones import Backbone, load_backbone
from .crossfit_cache import cache_file, cached_fit, save
from .crossfit_fit import (
    CROSS_FITTING,
    CrossFit,
    CrossFitParams,
    assign_folds,
    fit_parts,
    fit_plan,
)
from .device import resolve_device
from .finetune_images import TrainingImages
from .predictions import Predictions, scored_predictions, training_mask
from .row_labels import row_labels
from .store import ProjectVectors, current_store, model_spec, project_vectors

if TYPE_CHECKING:
    from labeldesk.core.project import Project

    from .embed_decode import Item

__all__ = [
    "CROSS_FITTING",
    "CrossFit",
    "CrossFitParams",
    "FitSummary",
    "assign_folds",
    "cache_file",
    "cached_fit",
    "cached_predictions",
    "crossfit_predictions",
    "fit_parts",
    "fit_project",
    "fit_vectors",
]


@dataclass(frozen=True)
class FitSummary:
    """What the app's child process sends back (the vectors stay in the cache)."""

    images: int
    failed: list[dict[str, str]]


def crossfit_predictions(
    project: Project,
    params: CrossFitParams = CrossFitParams(),
    *,
    device: str = "auto",
    refit: bool = False,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
    base: Backbone | None = None,
) -> tuple[Predictions, CrossFit]:
    """The project's predictions scored on cross-fitted vectors (fitted unless cached
    for every embedded image, or ``refit``); row by row like
    :func:`~labeldesk.ml.predictions.project_predictions`."""
    vectors = project_vectors(project)
    rows = _LabelRows.read(project, vectors)
    fit = None if refit else _from_cache(project, vectors, params)
    if fit is None:
        fit = fit_vectors(
            project, vectors, rows.labels, rows.trainable, params,
            device=device, progress=progress, cancel=cancel, base=base,
        )  # fmt: skip
    return rows.scored(vectors, fit), fit


def cached_predictions(
    project: Project, params: CrossFitParams = CrossFitParams()
) -> Predictions | None:
    """Predictions on the cached cross-fit, with today's labels; None when no fit covers
    every embedded image (none yet, or images added since)."""
    vectors = project_vectors(project)
    fit = _from_cache(project, vectors, params)
    return None if fit is None else _LabelRows.read(project, vectors).scored(vectors, fit)


def _from_cache(
    project: Project, vectors: ProjectVectors, params: CrossFitParams
) -> CrossFit | None:
    """:func:`cached_fit`, an image left out of it still changed since the last scan
    said so (the cache records only that it was not read): a scan, not a refit, takes
    it in."""
    from .embed_decode import CHANGED, unchanged_since_scan

    fit = cached_fit(project, vectors, params)
    if fit is None or not fit.failed:
        return fit
    scanned = dict(zip(vectors.paths, as_scanned(project, vectors), strict=True))

    def reason(failed: dict[str, str]) -> str:
        item = scanned[failed["path"]]
        try:
            if item is not None and not unchanged_since_scan(project.image_path(item[1]), item):
                return CHANGED
        except Exception:  # gone, unreadable: as the cache says
            pass
        return failed["reason"]

    fit.failed = [{"path": f["path"], "reason": reason(f)} for f in fit.failed]
    return fit


@dataclass
class _LabelRows:
    classes: list[str]
    labels: np.ndarray
    statuses: list[str | None]
    splits: list[str | None]
    trainable: np.ndarray

    @classmethod
    def read(cls, project: Project, vectors: ProjectVectors) -> _LabelRows:
        """Labels, statuses and splits read together (one snapshot)."""
        s = row_labels(project, vectors)
        trainable = training_mask(s.labels, s.splits, s.statuses)
        return cls(s.classes, s.labels, s.statuses, s.splits, trainable)

    def scored(self, vectors: ProjectVectors, fit: CrossFit) -> Predictions:
        """Scored on the fitted rows only: a frozen vector (an image unreadable when the
        fit ran) lives in another space, so it neither votes nor is judged."""
        ok, n_classes = fit.fitted, len(self.classes)
        probs = np.full((len(ok), n_classes), 1 / max(n_classes, 1))
        oof = np.zeros(len(ok), dtype=bool)
        probs[ok], oof[ok] = scored_predictions(
            fit.vectors[ok], self.labels[ok], self.trainable[ok], n_classes
        )
        return Predictions(
            vectors.paths, self.classes, self.labels, self.splits, self.statuses, probs, oof,
            unjudgeable=None if ok.all() else ~ok,
        )  # fmt: skip


def fit_project(
    project: Project,
    *,
    device: str = "auto",
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> FitSummary:
    """Fit afresh and cache it (the app runs this in a child process)."""
    vectors = project_vectors(project)
    rows = _LabelRows.read(project, vectors)
    fit = fit_vectors(
        project, vectors, rows.labels, rows.trainable,
        device=device, progress=progress, cancel=cancel,
    )  # fmt: skip
    return FitSummary(len(fit.vectors), fit.failed)


def fit_vectors(
    project: Project,
    vectors: ProjectVectors,
    labels: np.ndarray,
    trainable: np.ndarray,
    params: CrossFitParams = CrossFitParams(),
    *,
    device: str = "auto",
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
    base: Backbone | None = None,
) -> CrossFit:
    """Fine-tune one copy of the backbone per part and embed that part with it; cached."""
    cancel = cancel or CancelToken()
    # Cancel is looked at before and after the load too, not only at the first batch: a
    # window closing (or another project opening) as the fit starts waits for it to stop,
    # and on a busy CPU the load and the first batch took 18 to 28 s more after Cancel.
    _stop_if_cancelled(cancel)
    plan = fit_plan(params, int(trainable.sum()), len(vectors.paths), resolve_device(device))
    progress(Progress(0, 0, "loading backbone", {"plan": plan}))
    if base is None:  # nothing written yet (the vectors and labels were only read):
        spec = model_spec(current_store(project))  # (may rewrite a damaged spec.json)
        with cancel.may_be_killed():  # a Cancel during the load may end the child now
            base = load_backbone(spec)
    _stop_if_cancelled(cancel)
    paths = [project.image_path(p) for p in vectors.paths]
    scanned = as_scanned(project, vectors)
    with TrainingImages(
        paths, vectors.paths, scanned=scanned
    ) as images:  # its decode workers, on a GPU
        fit = fit_parts(
            images, vectors.hashes, labels, trainable, vectors.vectors, base, params,
            device=device, progress=progress, cancel=cancel,
        )  # fmt: skip
    _stop_if_cancelled(cancel)  # after the last batch: still nothing saved, as it says
    save(project, vectors, params, fit)
    return fit


def _stop_if_cancelled(cancel: CancelToken) -> None:
    if cancel.cancelled:
        raise Cancelled("cross-fitting cancelled; nothing was saved")


def as_scanned(project: Project, vectors: ProjectVectors) -> list[Item | None]:
    """Each row's file as the scan recorded it, for :class:`TrainingImages` to leave out
    one changed since, as embedding and fine-tuning do: trained on, its label would name
    a picture it no longer holds, and its vector would be filed under the old content's
    hash. A row whose file the index now records with other content (rescanned since
    the vectors were read) counts as changed."""
    from labeldesk.core.image_rows import usable_files

    now = {r["path"]: r for r in usable_files(project.db)}
    out: list[Item | None] = []
    for path, digest in zip(vectors.paths, vectors.hashes, strict=True):
        row = now.get(path)
        if row is None or row["size"] is None or row["mtime_ns"] is None:
            out.append(None)  # not recorded: read as before
        elif row["hash"] != digest:
            out.append((digest, path, 0, -1, -1, None))  # no file has size -1
        else:
            out.append((digest, path, 0, row["size"], row["mtime_ns"], row["ctime_ns"]))
    return out
