"""Out-of-sample class probabilities from a linear probe on the embeddings.

Label-quality scores are only honest when the prediction for an image comes from a
model that never saw that image's label. Labeled train images get out-of-fold
probabilities (stratified k-fold, shuffled or, for a project, made from each image's
content hash so that they stay put as labels change: :func:`stable_folds`; each fold's
model never sees the images it predicts); every other image (val, test, unlabeled)
gets the prediction of a model fit on all labeled train images, which never saw them
either. A fold whose training rows hold
one class only (a class with a single label) cannot judge its held-out rows: they are not
out of fold, and take the model fit on all labels like the other rows.

The probe is multinomial logistic regression on PCA-reduced embeddings: PCA is fit without
labels (so it leaks nothing), makes each fit several times faster, and barely changes
accuracy on 1280-d CNN features.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

N_FOLDS = 5
PCA_DIMS = 256
# Inverse regularisation of the logistic regression (sklearn's C). 2 since session 28: on
# benchmarks/bench_label_suite.py (5 seeds, the cleaning round and the pixel view) it beat
# 1 in every choice set's worst-case AUROC but one tie, and on the held-out crops and noise.
C_REG = 2.0
PCA_FIT_MAX = 100_000  # rows the PCA is fitted on (a random sample above that)
FIT_MAX = 100_000  # labels one fit learns from (a stratified sample above that)
MIN_PER_CLASS = 500  # labels a class keeps in a sample (all of them if it has fewer)
CHUNK = 65_536  # rows converted to float32 at once


@dataclass
class ProbeOutput:
    """Probabilities for every row, and which rows are out-of-fold (train) predictions."""

    probs: np.ndarray  # (N, n_classes), rows sum to 1
    out_of_fold: np.ndarray  # bool (N,): True where the row's own label was held out


def reduce(features: np.ndarray, dims: int = PCA_DIMS, seed: int = 0) -> np.ndarray:
    """Centre, PCA-reduce (no labels involved) and whiten lightly to unit total variance.

    Above ``PCA_FIT_MAX`` rows the PCA is fitted on a random sample of that many and
    applied to every row in chunks: the float32 copy of all features (5 GB at 1M x 1280)
    is never made, and 100k rows pin 256 components down as well as a million."""
    from sklearn.decomposition import PCA

    if len(features) > PCA_FIT_MAX and features.shape[1] > dims:
        rng = np.random.default_rng(seed)
        sample = np.sort(rng.choice(len(features), PCA_FIT_MAX, replace=False))
        pca = PCA(n_components=dims, random_state=seed, svd_solver="randomized", copy=False)
        pca.fit(np.asarray(features[sample], dtype=np.float32))  # a copy: centred in place
        x = np.empty((len(features), dims), dtype=np.float32)
        for start in range(0, len(features), CHUNK):
            block = np.asarray(features[start : start + CHUNK], dtype=np.float32)
            x[start : start + len(block)] = pca.transform(block)
    else:
        x = np.asarray(features, dtype=np.float32)
        if x.shape[1] > dims and len(x) > dims:
            pca = PCA(n_components=dims, random_state=seed, svd_solver="randomized", copy=False)
            x = pca.fit_transform(_own_copy(x, features))
        else:
            x = x - x.mean(axis=0)
    scale = np.sqrt((x**2).sum(axis=1).mean()) or 1.0
    x /= scale
    return x.astype(np.float32, copy=False)


def _own_copy(x: np.ndarray, features: np.ndarray) -> np.ndarray:
    """``x`` (``features`` as float32) when it is a new writable array, else a copy: one
    that PCA(copy=False) may centre in place. scikit-learn's own copy=True made two of a
    read-only matrix (the shared vectors are one): a writable copy, then a centred one,
    1 GB at 100k x 1280 on top of the matrix; the same figures come from one."""
    if x.flags.writeable and not np.may_share_memory(x, features):
        return x
    return np.array(x, dtype=np.float32, copy=True)  # in x's layout, as its copy was


def stable_folds(
    y: np.ndarray, keys: np.ndarray, n_folds: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified folds that stay put: each class's rows in the order of their ``keys``
    (numbers fixed per image, as random as a shuffle), cut into ``n_folds`` runs of
    (nearly) equal length. A label added, removed or changed moves each run's ends by at
    most a row in the classes it touches, so all but a few rows keep their fold, and the
    out-of-fold predictions of the others do not all change at once (a shuffled
    StratifiedKFold deals every row anew when any class's count changes).
    Returns ``(fit, held)`` index pairs, as StratifiedKFold.split does."""
    fold = np.empty(len(y), dtype=np.int64)
    for c in np.unique(y):
        members = np.flatnonzero(y == c)
        ordered = members[np.lexsort((members, keys[members]))]  # ties: by row
        fold[ordered] = np.arange(len(ordered)) * n_folds // len(ordered)
    return [(np.flatnonzero(fold != f), np.flatnonzero(fold == f)) for f in range(n_folds)]


def capped(idx: np.ndarray, y: np.ndarray, seed: int, most: int | None = None) -> np.ndarray:
    """``idx`` itself, or above ``most`` (FIT_MAX) labels a sample of it stratified by
    class ``y[idx]``: each class keeps its share, and at least ``MIN_PER_CLASS`` (all
    when it has fewer). A linear probe on 256 dimensions learns as much from 100k labels
    as from 700k, and one fit then takes seconds, not minutes."""
    most = FIT_MAX if most is None else most
    if len(idx) <= most:
        return idx
    rng = np.random.default_rng(seed)
    kept = []
    for c in np.unique(y[idx]):
        members = idx[y[idx] == c]
        share = max(MIN_PER_CLASS, round(most * len(members) / len(idx)))
        kept.append(members if len(members) <= share else rng.choice(members, share, replace=False))
    return np.sort(np.concatenate(kept))


def _fit(x: np.ndarray, y: np.ndarray, n_classes: int, c: float) -> np.ndarray | None:
    """A fitted model's coefficient matrix as (W, b) stacked, or None with one class; ``c``
    is the regularisation (sklearn's C)."""
    from sklearn.linear_model import LogisticRegression

    if len(np.unique(y)) < 2:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: a few iterations short is fine
        model = LogisticRegression(C=c, max_iter=300, tol=1e-3).fit(x, y)
    coef = np.zeros((n_classes, x.shape[1] + 1), dtype=np.float64)
    classes = model.classes_
    if len(classes) == 2:  # sklearn stores one row for binary problems
        coef[classes[1], :-1], coef[classes[1], -1] = model.coef_[0], model.intercept_[0]
        coef[classes[0], :-1], coef[classes[0], -1] = -model.coef_[0], -model.intercept_[0]
        coef[classes] /= 2
    else:
        coef[classes, :-1], coef[classes, -1] = model.coef_, model.intercept_
    absent = np.setdiff1d(np.arange(n_classes), classes)
    coef[absent, -1] = -np.inf  # a class the fold never saw gets probability 0
    return coef


def _predict(coef: np.ndarray | None, x: np.ndarray, n_classes: int, only: int = 0) -> np.ndarray:
    """Probabilities from ``coef``; certainty of ``only``, the one class seen, without."""
    if coef is None:
        probs = np.zeros((len(x), n_classes))
        probs[:, only] = 1.0
        return probs
    logits = x @ coef[:, :-1].T + coef[:, -1]
    logits -= logits.max(axis=1, keepdims=True)
    probs = np.exp(logits)
    return probs / probs.sum(axis=1, keepdims=True)


@dataclass
class FittedProbe:
    """The probe's fits over a set of rows: one per fold (predicting that fold's held-out
    train rows) and, made when first needed, one on every fit label (predicting the rest).
    :meth:`probabilities` of a few rows costs their product, not a prediction of all."""

    x: np.ndarray  # the reduced features of every row
    n_classes: int
    fold_of: np.ndarray  # (N,) the fold whose model predicts the row out of fold, else -1
    coefs: list[np.ndarray]  # one per fold, in fold order (None-fits left out: -1 there)
    everything: Callable[[], tuple[np.ndarray | None, int]]  # the fit on all, and its class
    uniform: bool = False  # no label to learn from: every class alike everywhere

    @property
    def out_of_fold(self) -> np.ndarray:
        return self.fold_of >= 0

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        """The probabilities of ``rows`` (as :func:`probe_probabilities` gives them)."""
        rows = np.asarray(rows, dtype=np.int64)
        if self.uniform:
            return np.full((len(rows), self.n_classes), 1.0 / max(self.n_classes, 1))
        probs = np.zeros((len(rows), self.n_classes))
        fold = self.fold_of[rows]
        for f, coef in enumerate(self.coefs):
            mine = np.flatnonzero(fold == f)
            if len(mine):
                probs[mine] = _predict(coef, self.x[rows[mine]], self.n_classes)
        rest = np.flatnonzero(fold < 0)
        if len(rest):
            last, only = self.everything()
            probs[rest] = _predict(last, self.x[rows[rest]], self.n_classes, only)
        return probs


def probe_probabilities(
    features: np.ndarray,
    labels: np.ndarray,
    train_mask: np.ndarray,
    n_classes: int,
    **options: Any,
) -> ProbeOutput:
    """Probabilities for all rows. ``labels`` holds class indices (-1: unlabeled);
    rows with ``train_mask`` and a label are predicted out-of-fold; ``options`` as
    :func:`fit_probe` takes them."""
    fitted = fit_probe(features, labels, train_mask, n_classes, **options)
    n = len(fitted.x)
    if fitted.uniform:
        return ProbeOutput(fitted.probabilities(np.arange(n)), fitted.out_of_fold)
    probs = np.zeros((n, n_classes))
    for f, coef in enumerate(fitted.coefs):  # each fold's rows at once, as they were
        held = np.flatnonzero(fitted.fold_of == f)
        if len(held):
            probs[held] = _predict(coef, fitted.x[held], n_classes)
    rest = np.flatnonzero(fitted.fold_of < 0)
    if len(rest):
        last, only = fitted.everything()
        probs[rest] = _predict(last, fitted.x[rest], n_classes, only)
    return ProbeOutput(probs, fitted.out_of_fold)


def fit_probe(
    features: np.ndarray,
    labels: np.ndarray,
    train_mask: np.ndarray,
    n_classes: int,
    *,
    n_folds: int = N_FOLDS,
    seed: int = 0,
    fit_mask: np.ndarray | None = None,
    c_reg: float | None = None,
    fold_keys: np.ndarray | None = None,
    before_fit: Callable[[], None] | None = None,
    reduced: bool = False,
    on_fold: Callable[[int, int], None] | None = None,
) -> FittedProbe:
    """The probe's fits (:class:`FittedProbe`); rows with ``train_mask`` and a label are
    predicted out-of-fold.

    ``fit_mask`` (default: every such row) narrows which of them the models learn from,
    e.g. to leave out labels that look wrong; the rows left out are still predicted out of
    fold, on the same folds, so the folds do not depend on which rows were left out.
    ``c_reg``: the regularisation, when not :data:`C_REG`. ``fold_keys`` (one number per
    row that never changes for its image, e.g. from its content hash): folds made from
    them (:func:`stable_folds`), so a label changed, added or removed moves a few other
    rows to another fold, not all of them; else shuffled by ``seed``. ``before_fit``:
    called before each fit (it may raise to stop: a fit takes seconds at 30k labels).
    ``reduced``: ``features`` are reduced already (their rows are only indexed: they may
    be rows reduced when read, :class:`~.drift_pca.ProjectedRows`). ``on_fold``: told
    (folds fitted, folds) before each fold's fit and after the last, for a progress report.
    """
    from sklearn.model_selection import StratifiedKFold

    c = C_REG if c_reg is None else c_reg  # read now: the module's value may be changed
    x = features if reduced else reduce(features, seed=seed)
    labels = np.asarray(labels)
    fit_rows = np.flatnonzero(train_mask & (labels >= 0))
    fold_of = np.full(len(x), -1, dtype=np.int64)
    coefs: list[np.ndarray] = []
    if len(fit_rows) == 0:
        return FittedProbe(x, n_classes, fold_of, coefs, lambda: (None, 0), uniform=True)
    y = labels[fit_rows]
    learn = np.ones(len(fit_rows), dtype=bool) if fit_mask is None else fit_mask[fit_rows]
    smallest = np.bincount(y)[np.bincount(y) > 0].min()
    folds = int(min(n_folds, max(2, smallest)))
    if len(fit_rows) >= 2 * folds:
        if fold_keys is not None:
            splits = stable_folds(y, fold_keys[fit_rows], folds)
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "least populated class has fewer members"
                splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
                splits = list(splitter.split(np.zeros(len(y)), y))
        for done, (fit_idx, held_idx) in enumerate(splits):
            if before_fit is not None:
                before_fit()
            if on_fold is not None:
                on_fold(done, len(splits))
            fit_idx = capped(fit_idx[learn[fit_idx]], y, seed)
            coef = _fit(x[fit_rows[fit_idx]], y[fit_idx], n_classes, c)
            if coef is None:  # a fold that saw one class says nothing about its held-out rows
                continue
            fold_of[fit_rows[held_idx]] = len(coefs)
            coefs.append(coef)
        if on_fold is not None:
            on_fold(len(splits), len(splits))
    made: list[tuple[np.ndarray | None, int]] = []

    def everything() -> tuple[np.ndarray | None, int]:
        if not made:
            if before_fit is not None:
                before_fit()
            every = capped(np.flatnonzero(learn), y, seed)
            coef = _fit(x[fit_rows[every]], y[every], n_classes, c)
            made.append((coef, int(y[every[0]]) if len(every) else 0))
        return made[0]

    return FittedProbe(x, n_classes, fold_of, coefs, everything)
