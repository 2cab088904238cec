"""Committee scores for bench_active.py (research): bootstrap probes instead of one.

``committee_clusters`` is auto's inner strategy with the margin replaced by a score from
COMMITTEE bootstrap refits of the project's probe (labeldesk.ml.active.fit_probe's model:
logistic regression at PROBE_C on standardised vectors), each on the labels drawn with
replacement (query by committee, Seung et al. 1992; bagging, Abe & Mamitsuka 1998). The
candidates are then spread over k-means clusters as margin_clusters spreads them. SCORE:

- ``kl``: the members' mean KL divergence from their mean (disagreement: where more labels
  would settle the question, not where the classes overlap for good);
- ``margin_x_kl``: the product of the margin's and the disagreement's ranks;
- ``mean_margin``: the margin of the members' mean probabilities (a bagged probe).
"""

from __future__ import annotations

import numpy as np

from labeldesk.ml.active import PROBE_C, PROBE_MAX_ITER, PROBE_TOL
from labeldesk.ml.strategies import uncertainty
from labeldesk.ml.strategies.base import QueryContext, QueryResult, register_strategy
from labeldesk.ml.strategies.typiclust import typiclust

COMMITTEE = 5
SCORE = "mean_margin"  # or "kl", "margin_x_kl"


def members(ctx: QueryContext) -> np.ndarray:
    """(members, N, classes) probabilities of bootstrap refits on the labeled rows."""
    from sklearn.linear_model import LogisticRegression

    x = np.asarray(ctx.embeddings, np.float32)
    z = (x - x.mean(axis=0)) / (x.std(axis=0) + 1e-6)
    labeled = np.flatnonzero(ctx.labeled_mask)
    rng = np.random.default_rng(ctx.seed + 7 * len(labeled))
    out = []
    for _ in range(COMMITTEE):
        rows = rng.choice(labeled, len(labeled), replace=True)
        if len(np.unique(ctx.labels[rows])) < 2:
            continue
        clf = LogisticRegression(C=PROBE_C, tol=PROBE_TOL, max_iter=PROBE_MAX_ITER)
        clf.fit(z[rows], ctx.labels[rows])
        p = np.zeros((len(x), ctx.n_classes))
        p[:, clf.classes_] = clf.predict_proba(z)
        out.append(p)
    return np.stack(out)


def committee_score(ctx: QueryContext) -> np.ndarray:
    assert ctx.pred_probs is not None
    p = members(ctx)
    mean = p.mean(axis=0)
    if SCORE == "mean_margin":
        return uncertainty.margin_score(mean)
    kl = (p * (np.log(p + 1e-12) - np.log(mean + 1e-12))).sum(axis=-1).mean(axis=0)
    if SCORE == "kl":
        return kl
    if SCORE == "margin_x_kl":
        rank_m = np.argsort(np.argsort(uncertainty.margin_score(ctx.pred_probs)))
        return (rank_m / len(kl)) * (np.argsort(np.argsort(kl)) / len(kl))
    raise ValueError(f"unknown SCORE {SCORE!r}")


@register_strategy("committee_clusters")
def committee_clusters(ctx: QueryContext, n: int) -> QueryResult:
    if ctx.pred_probs is None:
        return typiclust(ctx, n)
    score = committee_score(ctx)
    cand = ctx.candidates
    return uncertainty._uncertainty_query(
        ctx, n, lambda _probs: score[cand], "committee_clusters", diverse=True
    )
