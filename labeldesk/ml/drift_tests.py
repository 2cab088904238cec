"""Two-sample tests on embeddings: is a new set of images drawn like the reference set?

Arrays in, arrays out (no project): :mod:`labeldesk.ml.drift` feeds them.

- **Classifier two-sample test** (C2ST; Lopez-Paz & Oquab, "Revisiting Classifier
  Two-Sample Tests", ICLR 2017): a classifier learns to tell reference from new vectors on
  shuffled stratified folds; its out-of-fold AUC is the statistic (0.5: no difference).
  The classifier sums two standardised out-of-fold scores: a shrinkage Fisher discriminant
  on PCA-reduced vectors (a linear model, like the paper's logistic regression: it sees a
  shift every image shares, a new camera or lighting) and the share of new images among
  a row's 10 nearest training-fold rows (it sees a new cluster that only some images form,
  where the linear score is diluted: on 10 % of new images from an unseen class it found
  the shift 2-3x as often). The discriminant's direction is ``A (m_new - m_ref)`` with
  ``A`` the inverse of the training fold's *total* scatter (the within-class scatter
  differs from it by a rank-one term along the mean difference, which only rescales the
  direction), so ``A`` never depends on the labels, and neither do the neighbours.
  Permuting labels within each fold therefore leaves both unchanged: a permutation test
  of hundreds of relabelings costs a few matrix products instead of hundreds of refits
  (as logistic regression would need), and stays exact (within-fold permutations are a
  group under which the null leaves the data exchangeable). The AUC's confidence interval
  is DeLong's (DeLong, DeLong & Clarke-Pearson, Biometrics 1988) on the pooled
  out-of-fold scores.
- **MMD test** (Gretton et al., "A Kernel Two-Sample Test", JMLR 2012): unbiased MMD²
  with an RBF kernel whose bandwidth is the median pairwise distance, permutation p-value.
  Rabanser, Günnemann & Lipton ("Failing Loudly", NeurIPS 2019) found MMD on reduced
  representations among the best detectors of dataset shift.
- **Residual tests** (look-alikes): each image minus the mean of its RESIDUAL_K nearest
  *anchor* reference rows, then the classifier test and MMD above on those residuals. The
  classes' spread, which dominates the raw vectors, is taken away, and what sets an image
  apart from the labeled images most like it is left: a change of the images themselves
  (darker, paler) that is small against the classes' spread. The anchors are half of the
  reference, used for nothing else, so the other half's residuals and the new rows' are the
  same function of independent draws: exchangeable when nothing changed, and the
  permutation tests stay exact (residuals of reference rows against each other are not:
  two rows that are each other's neighbours get opposite residuals, which both tests see).
- **kNN novelty**: an image's mean distance to its nearest reference images, as a
  percentile of the reference images' own distances to their nearest other reference
  images.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

C2ST_FOLDS = 5
C2ST_DIMS = 32
SHRINKAGE = 0.1  # share of the mean variance added to the scatter's diagonal
C2ST_NEIGHBOURS = 10  # the nearest-neighbour half of the classifier
PERMUTATIONS = 500
PCA_FIT_ROWS = 4000  # pooled rows the principal axes are fitted on
MMD_MAX_PER_SIDE = 1000
RESIDUAL_K = 10  # anchors each residual is taken against
SAME_VECTOR = 1 - 1e-4  # cosine at which an anchor is the row's own vector (a copy)
Z_95 = 1.959963984540054


@dataclass
class C2STResult:
    auc: float
    auc_ci: tuple[float, float]
    p_value: float
    new_scores: np.ndarray  # per new row: percentile of its score among held-out reference
    ref_scores: np.ndarray  # the same for each reference row (leave-one-out percentile)


@dataclass
class MMDResult:
    mmd2: float
    p_value: float
    bandwidth: float


def reduce_pair(
    ref: np.ndarray, new: np.ndarray, dims: int = C2ST_DIMS, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Both sets projected on the leading principal axes of the pooled vectors, centred on
    the pooled mean. The axes come from at most PCA_FIT_ROWS pooled rows drawn at random,
    never from the labels (which set a row is in), so every test below stays valid."""
    pooled = np.concatenate([ref, new]).astype(np.float32)
    rng = np.random.default_rng(seed)
    fit = (
        pooled[rng.choice(len(pooled), PCA_FIT_ROWS, replace=False)]
        if (len(pooled) > PCA_FIT_ROWS)
        else pooled
    )
    centre = fit.mean(axis=0, dtype=np.float64).astype(np.float32)
    k = min(dims, pooled.shape[1], len(fit) - 1)
    top = _leading_axes(fit - centre, k, rng)
    out = (pooled - centre) @ top
    return out[: len(ref)], out[len(ref) :]


def _leading_axes(x: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """The top ``k`` principal axes of centred rows ``x`` (columns), by randomised subspace
    iteration (Halko, Martinsson & Tropp, SIAM Review 2011): a few products with ``x``
    instead of a full eigendecomposition of the d x d scatter (5-10x faster at d = 1280)."""
    q = rng.normal(size=(x.shape[1], min(k + 10, x.shape[1]))).astype(np.float32)
    for _ in range(4):
        q = np.linalg.qr(x.T @ (x @ q))[0].astype(np.float32)
    _, _, vt = np.linalg.svd(x @ q, full_matrices=False)
    return (q @ vt.T[:, :k]).astype(np.float32)


def stratified_folds(labels: np.ndarray, folds: int, rng: np.random.Generator) -> np.ndarray:
    """Fold number of each row: each class dealt round-robin over the folds after a shuffle."""
    out = np.empty(len(labels), dtype=np.int64)
    for value in np.unique(labels):
        rows = rng.permutation(np.flatnonzero(labels == value))
        out[rows] = (np.arange(len(rows)) + rng.integers(folds)) % folds
    return out


def auc_of(scores: np.ndarray, is_new: np.ndarray) -> np.ndarray:
    """AUC (Mann-Whitney, ties counted half) of each column of ``scores`` for telling
    new rows from the rest; ``is_new`` is one column for all or one per score column."""
    from scipy.stats import rankdata

    scores = scores.reshape(len(scores), -1)
    labels = is_new.reshape(len(is_new), -1)
    n1 = labels[:, 0].sum()
    n0 = len(labels) - n1
    ranks = rankdata(scores, axis=0)
    rank_sum = (ranks * labels).sum(axis=0)
    return (rank_sum - n1 * (n1 + 1) / 2) / (n1 * n0)


def delong_ci(scores: np.ndarray, is_new: np.ndarray) -> tuple[float, float]:
    """95 % confidence interval of the AUC from DeLong's variance (clipped to [0, 1])."""
    pos, neg = np.sort(scores[is_new]), np.sort(scores[~is_new])
    m, n = len(pos), len(neg)
    # V10: share of negatives below each positive; V01: share of positives above each negative
    v10 = (np.searchsorted(neg, pos, "left") + np.searchsorted(neg, pos, "right")) / (2 * n)
    v01 = 1 - (np.searchsorted(pos, neg, "left") + np.searchsorted(pos, neg, "right")) / (2 * m)
    auc = float(v10.mean())
    var = (v10.var(ddof=1) if m > 1 else 0.25) / m + (v01.var(ddof=1) if n > 1 else 0.25) / n
    half = Z_95 * math.sqrt(max(var, 0.0))
    return max(0.0, auc - half), min(1.0, auc + half)


@dataclass
class FoldScores:
    """The classifier's out-of-fold scores (see :func:`fold_scores`)."""

    scores: np.ndarray  # (rows, permutations + 1): each column's out-of-fold scores
    labels: np.ndarray  # (rows, permutations + 1) bool: column 0 the real labels (new:
    # True), the others permuted within each fold
    fold: np.ndarray  # each row's fold
    folds: int

    @property
    def is_new(self) -> np.ndarray:
        return self.labels[:, 0]

    def percentiles(self) -> np.ndarray:
        """Each row's real out-of-fold score as a percentile of the held-out reference
        scores of its fold (how new-like it looks)."""
        real, is_new = self.scores[:, 0], self.is_new
        percentile = np.empty(len(real))
        for f in range(self.folds):
            held = np.flatnonzero(self.fold == f)
            ref_sorted = np.sort(real[held][~is_new[held]])
            below = np.searchsorted(ref_sorted, real[held], "left")
            own = ~is_new[held]  # a reference row does not count itself
            percentile[held] = below / np.maximum(len(ref_sorted) - own, 1)
        return percentile


def fold_scores(
    ref: np.ndarray, new: np.ndarray, folds: int, permutations: int, neighbours_k: int, seed: int
) -> FoldScores:
    """The classifier's (see the module doc) out-of-fold scores of every row of ``ref``
    and ``new`` (rows already reduced: :func:`reduce_pair`), reference rows first, for
    the real labels and for ``permutations`` relabelings within each fold (:func:`c2st`
    says what the others are)."""
    rng = np.random.default_rng(seed)
    x = np.concatenate([ref, new]).astype(np.float64)
    is_new = np.r_[np.zeros(len(ref), bool), np.ones(len(new), bool)]
    folds = max(2, min(folds, len(new), len(ref)))
    k = max(1, min(neighbours_k, len(x) - len(x) // folds - 1))
    fold = stratified_folds(is_new.astype(np.int64), folds, rng)
    # Column 0: the real labels; the rest: labels permuted within each fold.
    labels = np.empty((len(x), permutations + 1), dtype=bool)
    labels[:, 0] = is_new
    for f in range(folds):
        rows = np.flatnonzero(fold == f)
        keys = rng.random((len(rows), permutations)).argsort(axis=0)
        labels[rows, 1:] = is_new[rows][keys]
    linear = np.empty((len(x), permutations + 1))
    neighbours = np.empty((len(x), permutations + 1))
    for f in range(folds):
        held, fit = fold == f, fold != f
        xf = x[fit]
        centre = xf.mean(axis=0)
        scatter = np.cov(xf - centre, rowvar=False, bias=True).reshape(x.shape[1], x.shape[1])
        ridge = SHRINKAGE * np.trace(scatter) / x.shape[1] + 1e-12
        inverse = np.linalg.inv(scatter + ridge * np.eye(x.shape[1]))
        lab = labels[fit].astype(np.float64)
        n1 = lab.sum(axis=0)
        weights = lab / n1 - (1 - lab) / (len(lab) - n1)  # new mean minus reference mean
        directions = inverse @ (xf.T @ weights)  # (dims, permutations + 1)
        linear[held] = _standardise((x[held] - centre) @ directions)
        share = np.zeros((int(held.sum()), permutations + 1))
        if neighbours_k:
            near = np.flatnonzero(fit)[_nearest_rows(x[held], xf, k)]  # (held, k) rows of x
            for j in range(near.shape[1]):
                share += labels[near[:, j]]
        neighbours[held] = _standardise(share)
    return FoldScores(linear + neighbours, labels, fold, folds)


def c2st(
    ref: np.ndarray,
    new: np.ndarray,
    *,
    folds: int = C2ST_FOLDS,
    permutations: int = PERMUTATIONS,
    neighbours_k: int = C2ST_NEIGHBOURS,
    seed: int = 0,
) -> C2STResult:
    """Out-of-fold AUC of the classifier (see the module doc) telling ``new`` from ``ref``
    (rows already reduced: :func:`reduce_pair`), its DeLong interval and a within-fold
    permutation p-value; and each row's out-of-fold score as a percentile of the held-out
    reference scores of its fold (how new-like it looks). ``neighbours_k=0`` leaves the
    nearest-neighbour half out."""
    scored = fold_scores(ref, new, folds, permutations, neighbours_k, seed)
    aucs = auc_of(scored.scores, scored.labels)
    observed = float(aucs[0])
    p_value = float((1 + np.sum(aucs[1:] >= observed)) / (permutations + 1))
    is_new, percentile = scored.is_new, scored.percentiles()
    return C2STResult(
        auc=observed,
        auc_ci=delong_ci(scored.scores[:, 0], is_new),
        p_value=p_value,
        new_scores=percentile[is_new],
        ref_scores=percentile[~is_new],
    )


def _standardise(values: np.ndarray) -> np.ndarray:
    """Each column to mean 0, standard deviation 1 (a constant column to 0)."""
    spread = values.std(axis=0)
    return (values - values.mean(axis=0)) / np.where(spread > 0, spread, 1.0)


def _nearest_rows(queries: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray:
    """Positions in ``rows`` of each query's ``k`` nearest rows (Euclidean; faiss, exact)."""
    from .search import import_faiss

    faiss = import_faiss()
    index = faiss.IndexFlatL2(rows.shape[1])
    index.add(np.ascontiguousarray(rows, dtype=np.float32))
    return index.search(np.ascontiguousarray(queries, dtype=np.float32), k)[1].astype(np.int64)


def _sq_distances(x: np.ndarray) -> np.ndarray:
    norms = (x * x).sum(axis=1)
    d = norms[:, None] + norms[None, :] - 2 * (x @ x.T)
    return np.maximum(d, 0.0)


def mmd_test(
    ref: np.ndarray,
    new: np.ndarray,
    *,
    permutations: int = PERMUTATIONS,
    max_per_side: int = MMD_MAX_PER_SIDE,
    seed: int = 0,
) -> MMDResult:
    """Unbiased MMD² with a median-heuristic RBF kernel and its permutation p-value; each
    side is subsampled to ``max_per_side`` rows (the kernel matrix is quadratic)."""
    rng = np.random.default_rng(seed + 1)
    if len(ref) > max_per_side:
        ref = ref[rng.choice(len(ref), max_per_side, replace=False)]
    if len(new) > max_per_side:
        new = new[rng.choice(len(new), max_per_side, replace=False)]
    x = np.concatenate([ref, new]).astype(np.float64)
    d2 = _sq_distances(x)
    upper = d2[np.triu_indices(len(x), 1)]
    bandwidth2 = float(np.median(upper[upper > 0])) if np.any(upper > 0) else 1.0
    kernel = np.exp(-d2 / bandwidth2)
    np.fill_diagonal(kernel, 0.0)  # unbiased: no self-pairs
    m, n = len(ref), len(new)
    signs = np.empty((len(x), permutations + 1))
    signs[:, 0] = np.r_[np.zeros(m), np.ones(n)]
    for b in range(1, permutations + 1):
        signs[:, b] = signs[rng.permutation(len(x)), 0]
    is_new = signs
    is_ref = 1 - signs
    k_new = is_new * (kernel @ is_new)  # row sums inside each side, per labeling
    k_ref = is_ref * (kernel @ is_ref)
    stat = k_ref.sum(axis=0) / (m * (m - 1)) + k_new.sum(axis=0) / (n * (n - 1))
    cross = (is_ref * (kernel @ is_new)).sum(axis=0) / (m * n)
    mmd2 = stat - 2 * cross
    p_value = float((1 + np.sum(mmd2[1:] >= mmd2[0])) / (permutations + 1))
    return MMDResult(float(mmd2[0]), p_value, math.sqrt(bandwidth2))


def local_residuals(
    reference: np.ndarray, new: np.ndarray, k: int = RESIDUAL_K
) -> tuple[np.ndarray, np.ndarray]:
    """(residuals of the second half of ``reference``, residuals of ``new``): each row minus
    the mean of its ``k`` nearest rows (cosine, exact) among the first half of
    ``reference``, the anchors (see the module doc). ``reference`` must be in random
    order, so that its first half is a random sample.

    An anchor identical to the row (cosine above SAME_VECTOR: a new image that is a copy
    of a labeled one) is skipped: the copy would be its own look-alike, its residual
    shrunk by a tenth, and a folder of copies of labeled images a "shift in the images
    themselves". The rule is the same for both sides, so they stay exchangeable."""
    from .search import import_faiss

    faiss = import_faiss()
    half = len(reference) // 2
    anchors = np.ascontiguousarray(reference[:half], dtype=np.float32)
    index = faiss.IndexFlatIP(anchors.shape[1])
    index.add(anchors)
    k = max(1, min(k, half))
    out = []
    for rows in (reference[half:], new):
        rows = np.ascontiguousarray(rows, dtype=np.float32)
        sims, near = index.search(rows, min(k + 1, half))
        keep = sims < SAME_VECTOR
        keep &= np.cumsum(keep, axis=1) <= k  # the k nearest that are not the row itself
        keep[~keep.any(axis=1)] = True  # only copies of it: its residual is 0
        weights = keep / keep.sum(axis=1, keepdims=True)
        out.append(rows - np.einsum("rk,rkd->rd", weights, anchors[near]))
    return out[0], out[1]


def knn_percentiles(new_dist: np.ndarray, ref_dist: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each new image's kNN distance as a percentile of the reference images' own kNN
    distances (1.0: farther than any reference image is from its neighbours), and the
    same for the reference images themselves (leave-one-out)."""
    ordered = np.sort(ref_dist)
    new_pct = np.searchsorted(ordered, new_dist, "left") / max(len(ordered), 1)
    ref_pct = np.searchsorted(ordered, ref_dist, "left") / max(len(ordered) - 1, 1)
    return new_pct, np.minimum(ref_pct, 1.0)


def outlier_share_test(
    new_dist: np.ndarray, ref_dist: np.ndarray, quantile: float = 0.95
) -> tuple[float, float]:
    """(share of new images more novel than ``quantile`` of the reference images, one-sided
    p-value that new images exceed that more often than reference images do). Scores must
    be out of sample for both (exchangeable when nothing changed).

    The two-sample tests average over every new image, so a fifth of the folder from a
    new camera can hide among four fifths like the project. Counting the images beyond the
    reference's own tail catches that: Fisher's exact test on (new beyond, new within;
    reference beyond, reference within), which also carries the uncertainty of the
    reference's tail (the threshold is its own quantile)."""
    from scipy.stats import fisher_exact

    if not len(new_dist) or not len(ref_dist):
        return 0.0, 1.0
    threshold = float(np.quantile(ref_dist, quantile))
    new_beyond = int((new_dist > threshold).sum())
    ref_beyond = int((ref_dist > threshold).sum())
    table = [[new_beyond, len(new_dist) - new_beyond], [ref_beyond, len(ref_dist) - ref_beyond]]
    p_value = float(fisher_exact(table, alternative="greater").pvalue)
    return new_beyond / len(new_dist), p_value


def min_detectable_auc(n_ref: int, n_new: int, alpha: float, power: float = 0.8) -> float:
    """The smallest AUC the C2ST finds with ``power`` at level ``alpha`` (one-sided), from
    the null variance of the Mann-Whitney AUC, (n0 + n1 + 1) / (12 n0 n1): a normal
    approximation, good enough to tell a folder that can answer from one that cannot."""
    from statistics import NormalDist

    if n_new < 1 or n_ref < 1:
        return 1.0
    z = NormalDist().inv_cdf(1 - alpha) + NormalDist().inv_cdf(power)
    return min(1.0, 0.5 + z * math.sqrt((n_ref + n_new + 1) / (12 * n_ref * n_new)))


def knn_distances(
    reference: np.ndarray, queries: np.ndarray, k: int, *, own_rows: np.ndarray | None = None
) -> np.ndarray:
    """Mean cosine distance of each query to its ``k`` nearest reference rows (rows are
    L2-normalised); ``own_rows[i]``, when given, is query i's own row in ``reference``,
    which is skipped. Exact: for arrays without a project (the project's report uses its
    cached search index, :mod:`labeldesk.ml.drift_neighbours`)."""
    from .search import import_faiss

    faiss = import_faiss()
    ref = np.ascontiguousarray(reference, dtype=np.float32)
    skip = own_rows is not None
    k = max(1, min(k, len(ref) - skip))
    index = faiss.IndexFlatIP(ref.shape[1])
    index.add(ref)
    sims, rows = index.search(np.ascontiguousarray(queries, dtype=np.float32), k + skip)
    if own_rows is not None:  # drop each query's own row (or, if not found, its k+1-th)
        own = rows == np.asarray(own_rows)[:, None]
        own[~own.any(axis=1), -1] = True
        sims = sims[~own].reshape(len(sims), k)
    return 1.0 - sims.mean(axis=1)
