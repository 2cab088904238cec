"""Drift report: is a new folder of images like the project's labeled images, and which
new images are most unlike them?

The new folder is embedded with the project's backbone (:mod:`.drift_embed`, cached by
content hash, never added to the project) and compared with the project's labeled images:

- five tests (:mod:`.drift_tests`, :mod:`.drift_verdict`): the classifier two-sample test
  of Lopez-Paz & Oquab (2017) and the kernel MMD test of Gretton et al. (2012), the share
  of outliers, and the first two again on each image's residual against its labeled
  look-alikes, each at a fifth of the significance level (Bonferroni), so the verdict's
  false-alarm rate stays at ``alpha``;
- a power check: with too few new images the report says the test cannot tell, never
  "no shift" (:func:`~.drift_tests.min_detectable_auc`);
- a novelty score per new image: the mean of two percentiles against the reference, its
  out-of-fold two-sample-classifier score and its distance to its nearest labeled images;
- the model's outputs (:mod:`.drift_outputs`, after Rabanser et al., 2019);
- exact and near copies of project images (content hash; embeddings, perceptual hash and
  pixels as in :mod:`.duplicates`).

Each side counts a content once: copies of one file in the new folder (a sync tool's
"copy (1)" files, symlinks) or among the labeled images would otherwise pass for separate
images, and a classifier that learns the repeats tells the two sides apart when nothing
changed. Every file of the new folder is still listed, a copy with its original's scores.

Reports are kept in the project under ``drift/`` as JSON (:mod:`.drift_history`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from labeldesk.core.errors import LabelDeskError
from labeldesk.core.progress import CancelToken, Progress, ProgressCallback, no_progress

from . import drift_tests as tests
from .drift_verdict import (
    ALPHA,
    KNN_K,
    MAX_REFERENCE,
    MAX_REFERENCE_KNN,
    ShiftTests,
    compare_vectors,
    effect_words,
    shift_tests,
    summary_text,
)
from .search import cosine

STEPS = {"unit": "step"}  # the report's steps, not images

if TYPE_CHECKING:
    from labeldesk.core.project import Project

    from .backbones import Backbone
    from .drift_outputs import OutputShift
    from .store import ProjectVectors

__all__ = ["DriftReport", "ShiftTests", "compare_vectors", "drift_report", "effect_words"]


@dataclass
class DriftReport:
    folder: str
    images: int  # readable files in the new folder, copies included
    reference: int  # distinct labeled contents compared with
    shift: bool | None  # None with "no power" (too few images to tell), never False
    verdict: str  # "shift", "no detectable shift" or "no power"
    summary: str  # the verdict and its effect size in plain words
    effect: str  # "negligible" ... "very large"
    auc: float | None
    auc_ci: tuple[float, float] | None
    p_value: float | None
    mmd_p_value: float | None
    power: dict[str, Any]
    novel: list[dict[str, Any]]
    novel_share: float  # new images more novel than 95 % of the reference
    outputs: OutputShift | None
    duplicates: list[dict[str, Any]]
    unreadable: list[dict[str, str]]
    embedded: int = 0
    model: str = ""
    alpha: float = ALPHA
    created: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%S"))
    seconds: float = 0.0
    outlier_share: float = 0.0  # new images more novel than 95 % of the reference
    outlier_p_value: float | None = None
    residual_p_value: float | None = None  # the classifier test on look-alike residuals
    residual_mmd_p_value: float | None = None
    # For the plots (not in the JSON): novelty of reference rows, and 2-D map points.
    reference_novelty: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    map_reference: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)), repr=False)
    map_new: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)), repr=False)
    new_hashes: dict[str, str] = field(default_factory=dict, repr=False)
    distinct_images: int = 0  # distinct contents among ``images``: what the tests count
    reference_copies: int = 0  # labeled images left out as copies of another one

    @property
    def copies_within_folder(self) -> int:
        """Files of the new folder with the same content as another file there."""
        return self.images - self.distinct_images

    def to_json(self) -> dict[str, Any]:
        out = self.outputs
        return {
            "images": self.images,
            "distinct_images": self.distinct_images,
            "copies_within_folder": self.copies_within_folder,
            "shift": self.shift,
            "auc": _round(self.auc),
            "auc_ci": None if self.auc_ci is None else [_round(v) for v in self.auc_ci],
            "p_value": self.p_value,
            "mmd_p_value": self.mmd_p_value,
            "outlier_share": _round(self.outlier_share),
            "outlier_p_value": self.outlier_p_value,
            "residual_p_value": self.residual_p_value,
            "residual_mmd_p_value": self.residual_mmd_p_value,
            "novel": self.novel,
            "predicted_classes": out.to_json() if out is not None else None,
            "low_confidence_share": None if out is None else _round(out.low_confidence_share),
            "duplicates": self.duplicates,
            "verdict": self.verdict,
            "summary": self.summary,
            "effect": self.effect,
            "novel_share": _round(self.novel_share),
            "power": self.power,
            "reference": self.reference,
            "reference_copies": self.reference_copies,
            "unreadable": self.unreadable,
            "embedded": self.embedded,
            "alpha": self.alpha,
            "model": self.model,
            "folder": self.folder,
            "created": self.created,
            "seconds": round(self.seconds, 3),
        }


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(float(value), digits)


def _reference_rows(vectors: ProjectVectors, statuses: list[str | None]) -> np.ndarray:
    """Bool per row of ``vectors``: the labeled images a folder is compared with, not
    the excluded ones (junk kept out of training and export stays out here too)."""
    from labeldesk.core.vocab import EXCLUDED

    return np.array(
        [
            label is not None and status != EXCLUDED
            for label, status in zip(vectors.labels, statuses, strict=True)
        ],
        dtype=bool,
    )


def drift_report(
    project: Project,
    folder: Path | str,
    *,
    backbone: Backbone | None = None,
    device: str = "auto",
    runtime: str = "auto",
    alpha: float = ALPHA,
    permutations: int = tests.PERMUTATIONS,
    seed: int = 0,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> DriftReport:
    """Embed ``folder`` and compare it with the project's labeled images (see module doc)."""
    from .drift_embed import embed_folder
    from .drift_neighbours import duplicates_of, nearest
    from .drift_outputs import model_outputs
    from .drift_sample import stratified_sample
    from .row_labels import row_labels
    from .store import mapped_project_vectors

    cancel = cancel or CancelToken()
    started = time.perf_counter()
    # The rows' vectors are read only where indexed (the reference sample, the probe's
    # train sample, the kNN queries): not a million of them for ten thousand.
    vectors = mapped_project_vectors(project)
    new = embed_folder(
        project, folder, backbone=backbone, device=device, runtime=runtime,
        progress=progress, cancel=cancel,
    )  # fmt: skip
    statuses = row_labels(project, vectors).statuses  # read once: the outputs need them too
    labeled = np.flatnonzero(_reference_rows(vectors, statuses))
    if len(labeled) == 0:
        raise LabelDeskError("the project has no labeled embedded images to compare with")
    progress(Progress(1, 4, "comparing with the project's images", STEPS))
    rng = np.random.default_rng(seed)
    shuffled = labeled[rng.permutation(len(labeled))]  # random order: any prefix is a sample
    distinct_labeled = shuffled[first_of_each([vectors.hashes[r] for r in shuffled])]
    # The tests use at most MAX_REFERENCE rows: sample them before reading any vector
    # (a 1M-image project's labeled vectors are gigabytes); a smaller project keeps all.
    reference = stratified_sample(
        distinct_labeled, [vectors.labels[r] for r in distinct_labeled], MAX_REFERENCE, seed
    )
    distinct = first_of_each(new.hashes)  # the tests see each content of the folder once
    as_distinct = _positions(new.hashes, distinct)  # each file's row among those
    near = nearest(project, vectors, reference, new.vectors[distinct], KNN_K, MAX_REFERENCE_KNN)
    cancel.raise_if_cancelled()
    found = shift_tests(
        np.asarray(vectors.vectors[reference], np.float32), new.vectors[distinct],
        knn_new=near.new_distance, knn_reference=near.reference_distance, alpha=alpha,
        permutations=permutations, seed=seed,
    )  # fmt: skip
    cancel.raise_if_cancelled()
    progress(Progress(2, 4, "checking the model's outputs", STEPS))
    # against the tests' reference sample: its rows' predictions are all a first check
    # makes (drift_predictions), not a million rows' for a sample's test
    outputs = model_outputs(
        project, vectors, statuses, new.vectors[distinct], near.project_sims,
        near.project_rows, reference=reference,
    )  # fmt: skip
    progress(Progress(3, 4, "looking for copies of project images", STEPS))
    near_each = replace(
        near,
        project_sims=near.project_sims[as_distinct],
        project_rows=near.project_rows[as_distinct],
        new_distance=near.new_distance[as_distinct],
    )
    duplicates = duplicates_of(project, vectors, new, near_each)
    ref_cut = np.quantile(found.reference_novelty, 0.95) if len(found.reference_novelty) else 1.0
    novel_share = float(np.mean(found.new_novelty > ref_cut))
    novelty = found.new_novelty[as_distinct]  # a copy scores as its original
    order = np.argsort(-novelty, kind="stable")
    novel = []
    for i in order:
        d = as_distinct[i]
        item: dict[str, Any] = {"path": new.paths[i], "score": round(float(novelty[i]), 4)}
        item["nearest"] = vectors.paths[near.project_rows[d, 0]]
        item["nearest_similarity"] = round(cosine(near.project_sims[d, 0]), 4)
        if outputs is not None:
            item["predicted"] = outputs.classes[int(outputs.new_predicted[d])]
            item["confidence"] = round(float(outputs.new_confidence[d]), 4)
        novel.append(item)
    progress(Progress(4, 4, "done", STEPS))
    return DriftReport(
        folder=str(new.root),
        images=len(new.paths),
        reference=len(distinct_labeled),
        shift=found.shift,
        verdict=found.verdict,
        summary=_with_classes(summary_text(found, novel_share, alpha), found.shift, outputs, alpha),
        effect=effect_words(found.auc),
        auc=found.auc,
        auc_ci=found.auc_ci,
        p_value=found.p_value,
        mmd_p_value=found.mmd_p_value,
        outlier_share=found.outlier_share,
        outlier_p_value=found.outlier_p_value,
        residual_p_value=found.residual_p_value,
        residual_mmd_p_value=found.residual_mmd_p_value,
        power=found.power,
        novel=novel,
        novel_share=novel_share,
        outputs=outputs,
        duplicates=duplicates,
        unreadable=new.unreadable,
        embedded=new.embedded,
        model=vectors.key,
        alpha=alpha,
        seconds=time.perf_counter() - started,
        reference_novelty=found.reference_novelty,
        map_reference=found.map_reference,
        map_new=found.map_new,
        new_hashes=dict(zip(new.paths, new.hashes, strict=True)),
        distinct_images=len(distinct),
        reference_copies=len(labeled) - len(distinct_labeled),
    )


def _with_classes(
    summary: str, shift: bool | None, outputs: OutputShift | None, alpha: float
) -> str:
    """The summary, and with a shift the predicted classes whose share moved most (what
    drifted, when the proportions of the classes changed)."""
    from .drift_outputs import class_shares_text

    words = class_shares_text(outputs, alpha) if shift and outputs is not None else ""
    return f"{summary} {words}" if words else summary


def first_of_each(hashes: list[str]) -> np.ndarray:
    """Positions of the first item of each content hash, in order (as
    :func:`~labeldesk.ml.queue.one_per_content` keeps one image of identical bytes)."""
    seen: set[str] = set()
    keep = []
    for i, digest in enumerate(hashes):
        if digest not in seen:
            seen.add(digest)
            keep.append(i)
    return np.array(keep, dtype=np.int64)


def _positions(hashes: list[str], firsts: np.ndarray) -> np.ndarray:
    """For each item, the position in ``firsts`` of the first item with its hash."""
    where = {hashes[i]: k for k, i in enumerate(firsts)}
    return np.array([where[h] for h in hashes], dtype=np.int64)
