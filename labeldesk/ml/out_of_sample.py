"""Out-of-sample class probabilities from vectors and labels: the linear probe
(:mod:`labeldesk.ml.probe`) out of fold mixed with a vote of each row's nearest labeled
neighbours, a cleaning refit without the labels the first pass finds likely wrong, and
(with enough labels) the pixel view's probe (:mod:`labeldesk.ml.pixel_view`). The
project-level, cached predictions built on these are :mod:`labeldesk.ml.predictions`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np

from labeldesk.core.progress import Progress, ProgressCallback, no_progress

from .pca_chunks import pca_reduce
from .pixel_view import PROBE_C as PIXEL_C
from .pixel_view import PROBE_DIMS as PIXEL_DIMS
from .pixel_view import blend_weight
from .probe import PCA_DIMS, PCA_FIT_MAX, probe_probabilities, reduce
from .search import knn_graph

KNN_K = 10
KNN_TEMPERATURE = 0.05
KNN_WEIGHT = 0.5  # share of the kNN vote when all k neighbours have labels
# The reports of :func:`out_of_sample_probs`' probes' fits (its ``progress``): the
# message names the probe, and the pass after the first (the cleaning refit's: "probe,
# pass 2"); ``done`` of ``total`` counts its folds fitted; ``data`` says the pass too
PROBE_STEP = "probe"
PIXEL_PROBE_STEP = "pixel probe"


def probe_step(step: str, pass_: int) -> str:
    """The message of ``step``'s reports (:data:`PROBE_STEP`, :data:`PIXEL_PROBE_STEP`)
    in pass ``pass_`` (1: the first)."""
    return step if pass_ == 1 else f"{step}, pass {pass_}"


# One round of cleaning: refit without the labels the first pass flags (see
# ``out_of_sample_probs``), as many as the ambiguity count with clear disagreements only
# (confident.ambiguity_calibrated_count) at this ratio. Chosen by the worst case over
# benchmarks/bench_label_suite.py (the paper's calibrated count left out too many correct
# labels of a weak model on 500 images).
CLEAN_ROUNDS = 1
CLEAN_CLEAR_RATIO = 2.0
# ... only with this many trainable labels per class on average: with 30 (the sample)
# a weak model's suspects are as often hard correct labels, and cleaning cost precision at
# the number of errors (the suite's worst case 0.27 -> 0.21; the sample's own 12 planted
# errors 0.42 -> 0.25); from 40 (photo crops, 500 Fashion-MNIST images) it gained.
CLEAN_MIN_PER_CLASS = 40
CLEAN_MAX_SHARE = 0.5  # never leave out more than this share of one class's labels


def scored_predictions(
    features: np.ndarray, labels: np.ndarray, trainable: np.ndarray, n_classes: int
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`out_of_sample_probs` on vectors that are not the project's stored ones (no
    cached graph, no trained head): the kNN graph computed here."""
    if n_classes == 0 or len(features) < 2:
        return np.zeros((len(features), n_classes)), np.zeros(len(features), dtype=bool)
    sims, rows = knn_graph(features, min(KNN_K, len(features) - 1))
    return out_of_sample_probs(features, labels, trainable, n_classes, sims, rows)


def out_of_sample_probs(
    features: np.ndarray,
    labels: np.ndarray,
    trainable: np.ndarray,
    n_classes: int,
    sims: np.ndarray,
    rows: np.ndarray,
    head: Callable[[np.ndarray], np.ndarray | None] | None = None,
    *,
    seed: int = 0,
    clean_rounds: int = CLEAN_ROUNDS,
    pixels: np.ndarray | None = None,
    mix: dict[str, float] | None = None,
    fold_keys: np.ndarray | None = None,
    stop_check: Callable[[], None] | None = None,
    progress: ProgressCallback = no_progress,
) -> tuple[np.ndarray, np.ndarray]:
    """(probabilities, out-of-fold mask): the probe out of fold mixed with the kNN vote,
    ``head`` (when given and not None for them) predicting the rows that are not out of fold.

    ``pixels`` (:mod:`labeldesk.ml.pixel_view`, rows aligned with ``features``): a second
    probe, on the images' coarse pixels, out of fold on the same folds, mixed in at the
    weight that fits the given labels best (:func:`~labeldesk.ml.pixel_view.blend_weight`);
    only with enough labels to judge that weight, the same bar as cleaning's. ``mix``,
    when given, receives that weight as ``"pixel_share"`` (the final round's).
    ``stop_check``: called between the steps and before each of the probes' fits; it
    raises (:class:`~labeldesk.core.errors.Cancelled`) to stop the computation.
    ``progress``: told each probe's folds as they are fitted (:func:`probe_step`), a
    report before each fit and after the last (nothing against fits that take seconds).

    Cleaning: a model fit on noisy labels learns the noise (a tenth of the shirts labeled
    t-shirt teaches it that shirts may be t-shirts), which hides exactly those errors. So
    the first pass's likely mislabels (:func:`suspects`) are left out of the probe's fits
    and of the kNN voters, and every row is predicted again, still out of fold: pruning
    and refitting as in confident learning (Northcutt, Jiang & Chuang, JAIR 2021, sec. 3.3).
    Only with ``CLEAN_MIN_PER_CLASS`` labels per class on average. Measured on
    benchmarks/bench_label_suite.py (README).
    """
    check = stop_check or _go_on
    learn = trainable.copy()
    if not enough_to_clean(labels, trainable):
        clean_rounds, pixels = 0, None
    reduced = reduced_features(features, seed)
    reduced_pixels = reduce(pixels, dims=PIXEL_DIMS, seed=seed) if pixels is not None else None
    has_pixels = np.any(pixels, axis=1) if pixels is not None else None  # a thumbnail was read
    for round_ in range(clean_rounds + 1):
        check()
        said = (round_ + 1, clean_rounds + 1)  # the pass, of passes
        with one_blas_thread():
            out = probe_probabilities(
                reduced, labels, trainable, n_classes, seed=seed, fit_mask=learn,
                fold_keys=fold_keys, before_fit=check, on_fold=_told(progress, PROBE_STEP, *said),
            )  # fmt: skip
        probs = out.probs
        if head is not None and round_ == clean_rounds and (~out.out_of_fold).any():
            from_head = head(features[~out.out_of_fold])
            if from_head is not None:
                probs[~out.out_of_fold] = from_head
        check()
        votes, evidence = knn_votes(sims, rows, labels, learn, n_classes)
        weight = KNN_WEIGHT * evidence[:, None]
        probs = (1 - weight) * probs + weight * votes
        if reduced_pixels is not None and has_pixels is not None:
            probs, share = _with_pixels(
                probs, reduced_pixels, labels, trainable, seed, learn, has_pixels, fold_keys,
                check, _told(progress, PIXEL_PROBE_STEP, *said),
            )  # fmt: skip
            if mix is not None:
                mix["pixel_share"] = share
        if round_ < clean_rounds:
            check()
            learn = trainable & ~suspects(labels, probs, trainable & out.out_of_fold)
    return probs, out.out_of_fold


def _told(
    progress: ProgressCallback, step: str, pass_: int, passes: int
) -> Callable[[int, int], None]:
    """A probe's ``on_fold`` that reports its folds to ``progress``: ``step`` in pass
    ``pass_`` of ``passes`` (:func:`probe_step`)."""
    message, data = probe_step(step, pass_), {"unit": "fold", "pass": pass_, "passes": passes}
    return lambda done, folds: progress(Progress(done, folds, message, data))


def _with_pixels(
    probs: np.ndarray,
    pixels: np.ndarray,
    labels: np.ndarray,
    trainable: np.ndarray,
    seed: int,
    learn: np.ndarray,
    has_pixels: np.ndarray,
    fold_keys: np.ndarray | None = None,
    stop_check: Callable[[], None] | None = None,
    on_fold: Callable[[int, int], None] | None = None,
) -> tuple[np.ndarray, float]:
    """``probs`` mixed with the pixel probe's (fit on the ``learn`` rows that have pixels)
    at the weight the given labels of the rows with pixels choose, and that weight. A row
    without pixels keeps its prediction: the pixel probe could only give it the prior."""
    with one_blas_thread():
        out = probe_probabilities(
            pixels, labels, trainable, probs.shape[1], seed=seed, fit_mask=learn & has_pixels,
            c_reg=PIXEL_C, fold_keys=fold_keys, before_fit=stop_check, on_fold=on_fold,
        )  # fmt: skip
    judged = trainable & out.out_of_fold & has_pixels
    weight = blend_weight(probs, out.probs, labels, judged)
    if weight == 0:
        return probs, 0.0
    mixed = probs.copy()
    mixed[has_pixels] = (1 - weight) * probs[has_pixels] + weight * out.probs[has_pixels]
    return mixed, weight


def _go_on() -> None:
    """The stop check of a computation nobody can cancel."""


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """BLAS on the calling thread only, for the probe's fits: their products are thin
    (rows x 256 by 256 x classes), so a second thread saves little, and on busy cores
    (load 10 on 2) its spinning took ten times the CPU: a 30k-label fit 4.7 s of CPU
    and 21 s wall with two threads, 0.5 s and 2.2 s with one."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


def reduced_features(features: np.ndarray, seed: int = 0) -> np.ndarray:
    """The probe's PCA, once for every round: it does not depend on labels, and the
    probe's own reduce of a reduced (centred, unit-variance) matrix leaves it as it is.

    Up to the probe's PCA_FIT_MAX rows it is the probe's own (the same figures as before);
    above, the exact PCA of a sample from its covariance (:mod:`labeldesk.ml.pca_chunks`),
    a third of the CPU of the randomized SVD on the same sample."""
    if len(features) <= PCA_FIT_MAX:
        return reduce(features, seed=seed)
    return pca_reduce(features, PCA_DIMS, seed=seed, fit_max=PCA_FIT_MAX)


def enough_to_clean(labels: np.ndarray, trainable: np.ndarray) -> bool:
    """Whether there are ``CLEAN_MIN_PER_CLASS`` trainable labels per class on average."""
    given = labels[trainable & (labels >= 0)]
    return len(given) >= CLEAN_MIN_PER_CLASS * max(len(np.unique(given)), 1)


def suspects(
    labels: np.ndarray, probs: np.ndarray, rows: np.ndarray, clear_ratio: float | None = None
) -> np.ndarray:
    """Boolean mask: the ``rows`` whose labels look wrong, lowest scores first, as many as
    the ambiguity count with clear (``clear_ratio``) disagreements, never a label that is
    its image's most likely class, at most ``CLEAN_MAX_SHARE`` of any one class."""
    from .confident import (
        ambiguity_calibrated_count,
        check_inputs,
        estimate_noise_unchecked,
        is_top_class,
    )
    from .quality import denoise, label_quality_scores

    out = np.zeros(len(labels), dtype=bool)
    idx = np.flatnonzero(rows)
    if len(idx) == 0 or len(np.unique(labels[idx])) < 2:
        return out
    given, p = check_inputs(labels[idx], probs[idx])
    estimate = estimate_noise_unchecked(given, p)
    ratio = CLEAN_CLEAR_RATIO if clear_ratio is None else clear_ratio
    count = round(ambiguity_calibrated_count(given, p, estimate, clear_ratio=ratio))
    scores = label_quality_scores(given, p)
    order = np.argsort(scores, kind="stable")
    order = order[~is_top_class(given, denoise(p, estimate.noise_matrix))[order]]
    flagged = np.zeros(len(idx), dtype=bool)
    flagged[order[:count]] = True
    for c in np.unique(given[flagged]):
        members = given == c
        cap = int(CLEAN_MAX_SHARE * members.sum())
        hit = np.flatnonzero(flagged & members)
        if len(hit) > cap:
            flagged[hit[np.argsort(scores[hit], kind="stable")[cap:]]] = False
    out[idx[flagged]] = True
    return out


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
    # cosine similarities, clipped to their range: vectors stored without unit length (a
    # store made by other tools) gave dot products whose exp overflowed into NaN votes
    sims, rows = np.clip(sims[:, :k], -1.0, 1.0), rows[:, :k]
    voter = (rows >= 0) & trainable[np.maximum(rows, 0)]
    if n_classes == 0:  # bincount's minlength=0 still gives one cell
        return np.zeros((len(rows), 0)), np.zeros(len(rows))
    weights = np.where(voter, np.exp((sims - 1) / temperature), 0.0)
    owners = np.repeat(np.arange(len(rows)), rows.shape[1])
    cells = owners * n_classes + labels[np.maximum(rows, 0)].ravel().clip(0)
    votes = np.bincount(cells, weights=weights.ravel(), minlength=len(rows) * n_classes)
    votes = votes.reshape(len(rows), n_classes)  # one pass: np.add.at is ~20x slower
    total = votes.sum(axis=1, keepdims=True)
    votes = np.divide(votes, total, out=np.full_like(votes, 1 / max(n_classes, 1)), where=total > 0)
    return votes, voter.mean(axis=1)
