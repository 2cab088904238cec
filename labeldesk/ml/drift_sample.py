"""Bounded samples of a big project's rows for the drift report.

At a million labeled images the report's two-sample tests already use at most
:data:`~.drift_verdict.MAX_REFERENCE` reference rows, but every labeled row's vector was
copied first (and indexed for the kNN distances), and the model-output probe was fitted
on every train row: gigabytes read and copied to use ten thousand. A seeded sample,
stratified by class so each class keeps its share, is taken *before* any vector is read.
A project at or under the cap is left exactly as it is (same rows, same order): its
report does not change.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

MAX_PROBE_ROWS = 20_000  # train rows the new images' probe is fitted on


def stratified_sample(
    rows: np.ndarray, strata: Sequence[object], cap: int, seed: int
) -> np.ndarray:
    """At most ``cap`` of ``rows``, each stratum (``strata[i]`` is row i's class) keeping
    its share (largest remainder), drawn with ``seed``, in the order of ``rows`` (so a
    shuffled ``rows`` stays shuffled). ``rows`` itself when it has ``cap`` or fewer."""
    rows = np.asarray(rows)
    if len(rows) <= cap:
        return rows
    if len(strata) != len(rows):
        raise ValueError("one stratum per row")
    keys = np.array([str(s) for s in strata])
    _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    quota = counts * (cap / len(rows))
    take = np.floor(quota).astype(np.int64)
    extra = np.argsort(-(quota - take), kind="stable")[: cap - int(take.sum())]
    take[extra] += 1
    rng = np.random.default_rng(seed)
    keep = np.zeros(len(rows), dtype=bool)
    for stratum, n in enumerate(take):
        where = np.flatnonzero(inverse == stratum)
        keep[rng.choice(where, int(n), replace=False)] = True
    return rows[keep]
