"""Active learning: which unlabeled images a person should label next.

Arrays in, indices out, no Qt and no database, so the CLI (``labeldesk queue``), the GUI
and notebooks share one implementation::

    ctx = make_context(embeddings, labels, n_classes)      # fits the probe for you
    result = query(ctx, n=25)                              # strategy "auto"
    result.indices, result.scores, result.strategy

Strategies live in :mod:`labeldesk.ml.strategies`, one registered function each; add one
with ``@register_strategy("name")``. The probe here (:func:`fit_probe`) only ranks the
queue: it is fit on every label, not out-of-fold, so it is unsuited to judging labels.
"""

from __future__ import annotations

import logging

import numpy as np

from labeldesk.core.progress import CancelToken

from .strategies import (
    STRATEGIES,
    QueryContext,
    QueryResult,
    UnknownStrategyError,
    register_strategy,
)

log = logging.getLogger(__name__)

DEFAULT_STRATEGY = "auto"
PROBE_C = 0.1  # on standardised embeddings; 0.01-1 within noise on Fashion-MNIST (bench)
PROBE_TOL = 1e-3  # a queue needs a ranking, not 4 digits: ~3x fewer lbfgs steps than 1e-4
PROBE_MAX_ITER = 300


def query(ctx: QueryContext, n: int, strategy: str = DEFAULT_STRATEGY) -> QueryResult:
    """Up to ``n`` candidates to label next, most useful first.

    Whatever a strategy returns, only candidates are proposed, each once: a guard here,
    so that a buggy plug-in strategy cannot put a labeled or excluded image in the queue.
    """
    fn = STRATEGIES.get(strategy)
    n = int(min(max(n, 0), len(ctx.candidates)))
    if n == 0:
        return QueryResult.empty(strategy)
    result = fn(ctx, n)
    idx = np.asarray(result.indices, np.int64)
    ok = (idx >= 0) & (idx < len(ctx.labels))
    ok[ok] = ctx.candidate_mask[idx[ok]] & ~ctx.labeled_mask[idx[ok]]
    _, first = np.unique(idx, return_index=True)
    unique = np.zeros(len(idx), bool)
    unique[first] = True
    keep = ok & unique
    if not keep.all():
        log.warning("strategy %s proposed %d non-candidates; dropped", strategy, (~keep).sum())
    keep &= np.cumsum(keep) <= n
    return QueryResult(idx[keep], np.asarray(result.scores, float)[keep], result.strategy)


def fit_probe(
    embeddings: np.ndarray,
    labels: np.ndarray,
    *,
    n_classes: int | None = None,
    C: float = PROBE_C,
) -> np.ndarray | None:
    """Class probabilities (N, n_classes) for every image from a logistic regression on the
    labeled ones; None when fewer than two classes have labels.

    Features are standardised with statistics of all N images (labeled or not): a unit
    vector's coordinates are ~1/sqrt(d) small, and unscaled they make L2 regularisation
    swamp the data. Classes without labels get probability 0.
    """
    from sklearn.linear_model import LogisticRegression

    labels = np.asarray(labels)
    labeled = labels >= 0
    present = np.unique(labels[labeled])
    if len(present) < 2:
        return None
    n_classes = int(n_classes if n_classes is not None else labels.max() + 1)
    x = np.asarray(embeddings, np.float32)
    mean = x.mean(axis=0)
    std = x.std(axis=0) + 1e-6
    z = (x - mean) / std
    clf = LogisticRegression(C=C, tol=PROBE_TOL, max_iter=PROBE_MAX_ITER)
    clf.fit(z[labeled], labels[labeled])
    probs = np.zeros((len(x), n_classes), np.float64)
    probs[:, clf.classes_] = clf.predict_proba(z)
    return probs


def make_context(
    embeddings: np.ndarray,
    labels: np.ndarray,
    n_classes: int,
    *,
    candidate_mask: np.ndarray | None = None,
    seed: int = 0,
    pred_probs: np.ndarray | None = None,
    fit: bool = True,
    cancel: CancelToken | None = None,
) -> QueryContext:
    """A context from what a project knows: -1 marks unlabeled; candidates default to every
    unlabeled image. Without ``pred_probs`` the probe is fit here (unless ``fit=False``).
    ``cancel``: the job's token, which the strategy checks between its steps."""
    labels = np.asarray(labels, np.int64)
    labeled = labels >= 0
    cand = ~labeled if candidate_mask is None else np.asarray(candidate_mask, bool) & ~labeled
    if pred_probs is None and fit:
        pred_probs = fit_probe(embeddings, labels, n_classes=n_classes)
    return QueryContext(
        # float16 stays as it is (a big project's vectors): strategies take subsets
        embeddings=embeddings
        if embeddings.dtype == np.float16
        else np.asarray(embeddings, np.float32),
        labeled_mask=labeled,
        candidate_mask=cand,
        labels=labels,
        n_classes=n_classes,
        pred_probs=pred_probs,
        seed=seed,
        cancel=cancel,
    )


__all__ = [
    "DEFAULT_STRATEGY",
    "QueryContext",
    "QueryResult",
    "UnknownStrategyError",
    "fit_probe",
    "make_context",
    "query",
    "register_strategy",
]
