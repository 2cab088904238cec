"""Drift report: is a new folder of images like the project's labeled images, and which
new images are most unlike them?

The new folder is embedded with the project's backbone (:mod:`.drift_embed`, cached by
content hash, never added to the project) and compared with the project's labeled images:

- two two-sample tests (:mod:`.drift_tests`): the classifier two-sample test of Lopez-Paz
  & Oquab (2017) and the kernel MMD test of Gretton et al. (2012), each at half the
  significance level (Bonferroni), so the verdict's false-alarm rate stays at ``alpha``;
- a power check: with too few new images the report says the test cannot tell, never
  "no shift" (:func:`~.drift_tests.min_detectable_auc`);
- a novelty score per new image: the mean of two percentiles against the reference, its
  out-of-fold two-sample-classifier score and its distance to its nearest labeled images;
- the model's outputs (:mod:`.drift_outputs`, after Rabanser et al., 2019);
- exact and near copies of project images (content hash; embeddings, perceptual hash and
  pixels as in :mod:`.duplicates`).

Reports are kept in the project under ``drift/`` as JSON (:mod:`.drift_history`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from labeldesk.core.errors import LabelDeskError
from labeldesk.core.progress import CancelToken, Progress, ProgressCallback, no_progress

from . import drift_tests as tests

if TYPE_CHECKING:
    from labeldesk.core.project import Project

    from .backbones import Backbone
    from .drift_outputs import OutputShift

ALPHA = 0.05  # family-wise: each of the two tests runs at ALPHA / 2
MIN_IMAGES = 10  # fewer new (or reference) images: the tests are not run
ENOUGH_POWER_AUC = 0.7  # a folder that cannot reveal AUC 0.7 has too little power
MAX_REFERENCE = 10_000  # reference rows the two-sample tests use (a random subset)
MAX_REFERENCE_KNN = 2_000  # reference rows whose own neighbour distances are measured
KNN_K = 5
MAP_POINTS = 2_000


@dataclass
class DriftReport:
    folder: str
    images: int
    reference: int
    shift: bool
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
    # For the plots (not in the JSON): novelty of reference rows, and 2-D map points.
    reference_novelty: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    map_reference: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)), repr=False)
    map_new: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)), repr=False)
    new_hashes: dict[str, str] = field(default_factory=dict, repr=False)

    def to_json(self) -> dict[str, Any]:
        out = self.outputs
        return {
            "images": self.images,
            "shift": self.shift,
            "auc": _round(self.auc),
            "auc_ci": None if self.auc_ci is None else [_round(v) for v in self.auc_ci],
            "p_value": self.p_value,
            "mmd_p_value": self.mmd_p_value,
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


def effect_words(auc: float | None) -> str:
    """How big a difference an AUC means, in words."""
    if auc is None:
        return "unknown"
    for limit, words in ((0.55, "negligible"), (0.65, "small"), (0.75, "moderate"), (0.9, "large")):
        if auc < limit:
            return words
    return "very large"


@dataclass
class ShiftTests:
    """What the arrays-only part of the report found (no project involved)."""

    shift: bool
    verdict: str
    auc: float | None
    auc_ci: tuple[float, float] | None
    p_value: float | None
    mmd_p_value: float | None
    power: dict[str, Any]
    new_novelty: np.ndarray  # combined score per new row, in [0, 1]
    reference_novelty: np.ndarray
    map_reference: np.ndarray
    map_new: np.ndarray


def shift_tests(
    reference: np.ndarray,
    new: np.ndarray,
    *,
    knn_new: np.ndarray,
    knn_reference: np.ndarray,
    alpha: float = ALPHA,
    permutations: int = tests.PERMUTATIONS,
    seed: int = 0,
) -> ShiftTests:
    """The two-sample tests, the power check and the combined novelty, on vectors.

    ``knn_new``: each new row's mean distance to its nearest reference rows;
    ``knn_reference``: the same for the first ``len(knn_reference)`` rows of
    ``reference`` (to other reference rows)."""
    rng = np.random.default_rng(seed)
    n_new = len(new)
    used = np.arange(len(reference))
    if len(used) > MAX_REFERENCE:  # keep the rows with known kNN distances first
        rest = rng.choice(
            np.arange(len(knn_reference), len(reference)),
            MAX_REFERENCE - len(knn_reference),
            replace=False,
        )
        used = np.r_[np.arange(len(knn_reference)), np.sort(rest)]
    n_ref = len(used)
    mda = tests.min_detectable_auc(n_ref, n_new, alpha / 2)
    power = {
        "enough": bool(n_new >= MIN_IMAGES and mda <= ENOUGH_POWER_AUC),
        "min_detectable_auc": round(mda, 4),
        "new_images": n_new,
        "reference_images": n_ref,
        "min_images": MIN_IMAGES,
    }
    knn_new_pct, knn_ref_pct = tests.knn_percentiles(knn_new, knn_reference)
    if n_new < MIN_IMAGES or n_ref < MIN_IMAGES:
        return ShiftTests(
            False, "no power", None, None, None, None, power, knn_new_pct, knn_ref_pct,
            np.zeros((0, 2)), np.zeros((0, 2)),
        )  # fmt: skip
    ref_x, new_x = tests.reduce_pair(reference[used], new, seed=seed)
    c2 = tests.c2st(ref_x, new_x, permutations=permutations, seed=seed)
    mmd = tests.mmd_test(ref_x, new_x, permutations=permutations, seed=seed)
    shift = c2.p_value < alpha / 2 or mmd.p_value < alpha / 2
    verdict = "shift" if shift else ("no detectable shift" if power["enough"] else "no power")
    k = len(knn_reference)
    return ShiftTests(
        shift=shift,
        verdict=verdict,
        auc=c2.auc,
        auc_ci=c2.auc_ci,
        p_value=c2.p_value,
        mmd_p_value=mmd.p_value,
        power=power,
        new_novelty=(c2.new_scores + knn_new_pct) / 2,
        reference_novelty=(c2.ref_scores[:k] + knn_ref_pct) / 2,
        map_reference=ref_x[: min(MAP_POINTS, n_ref), :2],
        map_new=new_x[:, :2],
    )


def compare_vectors(
    reference: np.ndarray,
    new: np.ndarray,
    *,
    alpha: float = ALPHA,
    permutations: int = tests.PERMUTATIONS,
    seed: int = 0,
) -> ShiftTests:
    """:func:`shift_tests` on two arrays of L2-normalised vectors, kNN distances included
    (for notebooks and benchmarks; the project's report uses faiss for those)."""
    rng = np.random.default_rng(seed)
    reference = np.asarray(reference)[rng.permutation(len(reference))]
    queries = np.arange(min(MAX_REFERENCE_KNN, len(reference)))
    return shift_tests(
        reference,
        new,
        knn_new=tests.knn_distances(reference, new, KNN_K),
        knn_reference=tests.knn_distances(reference, reference[queries], KNN_K, own_rows=queries),
        alpha=alpha,
        permutations=permutations,
        seed=seed,
    )


def summary_text(found: ShiftTests, novel_share: float, alpha: float) -> str:
    """The verdict with its effect size, for people."""
    power = found.power
    if found.auc is None:
        return (
            f"Too few images to tell: {power['new_images']} new images against "
            f"{power['reference_images']} labeled ones; the tests need at least "
            f"{MIN_IMAGES} of each. This is not a 'no shift' verdict."
        )
    lo, hi = found.auc_ci or (found.auc, found.auc)
    tail = (
        f"classifier AUC {found.auc:.2f} (95% CI {lo:.2f}-{hi:.2f}, p = {found.p_value:.3g}); "
        f"MMD p = {found.mmd_p_value:.3g}; {novel_share:.0%} of the new images are more unusual "
        "than 95% of the labeled ones (5% expected)"
    )
    if found.shift:
        return f"Shift ({effect_words(found.auc)} difference): {tail}."
    if found.verdict == "no power":
        return (
            f"No shift found, but {power['new_images']} images are too few to rule one out: "
            f"only a shift a classifier spots with AUC >= {power['min_detectable_auc']:.2f} would "
            f"show. {tail[0].upper()}{tail[1:]}."
        )
    return (
        f"No detectable shift at the {alpha:.0%} level: {tail}. This folder would reveal a "
        f"shift of AUC {power['min_detectable_auc']:.2f} or more."
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
    from .store import project_vectors

    cancel = cancel or CancelToken()
    started = time.perf_counter()
    vectors = project_vectors(project)
    new = embed_folder(
        project, folder, backbone=backbone, device=device, runtime=runtime,
        progress=progress, cancel=cancel,
    )  # fmt: skip
    labeled = np.flatnonzero(np.array([lab is not None for lab in vectors.labels], dtype=bool))
    if len(labeled) == 0:
        raise LabelDeskError("the project has no labeled embedded images to compare with")
    progress(Progress(1, 4, "comparing with the project's images"))
    rng = np.random.default_rng(seed)
    reference = labeled[rng.permutation(len(labeled))]  # random order: any prefix is a sample
    near = nearest(project, vectors, reference, new.vectors, KNN_K, MAX_REFERENCE_KNN)
    cancel.raise_if_cancelled()
    found = shift_tests(
        vectors.vectors[reference], new.vectors, knn_new=near.new_distance,
        knn_reference=near.reference_distance, alpha=alpha, permutations=permutations,
        seed=seed,
    )  # fmt: skip
    cancel.raise_if_cancelled()
    progress(Progress(2, 4, "checking the model's outputs"))
    outputs = model_outputs(project, vectors, new.vectors, near.project_sims, near.project_rows)
    progress(Progress(3, 4, "looking for copies of project images"))
    duplicates = duplicates_of(project, vectors, new, near)
    ref_cut = np.quantile(found.reference_novelty, 0.95) if len(found.reference_novelty) else 1.0
    novel_share = float(np.mean(found.new_novelty > ref_cut))
    order = np.argsort(-found.new_novelty, kind="stable")
    novel = []
    for i in order:
        item: dict[str, Any] = {
            "path": new.paths[i],
            "score": round(float(found.new_novelty[i]), 4),
        }
        item["nearest"] = vectors.paths[near.project_rows[i, 0]]
        item["nearest_similarity"] = round(float(near.project_sims[i, 0]), 4)
        if outputs is not None:
            item["predicted"] = outputs.classes[int(outputs.new_predicted[i])]
            item["confidence"] = round(float(outputs.new_confidence[i]), 4)
        novel.append(item)
    progress(Progress(4, 4, "done"))
    return DriftReport(
        folder=str(new.root),
        images=len(new.paths),
        reference=len(labeled),
        shift=found.shift,
        verdict=found.verdict,
        summary=summary_text(found, novel_share, alpha),
        effect=effect_words(found.auc),
        auc=found.auc,
        auc_ci=found.auc_ci,
        p_value=found.p_value,
        mmd_p_value=found.mmd_p_value,
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
    )
