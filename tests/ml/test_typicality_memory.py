"""TypiClust's typicality turns its one (points x reference) matrix into distances in
place: the same values as computed apart, without the four temporaries of that size it
held before (beside the cold start's 50,000-row sample)."""

from __future__ import annotations

import tracemalloc

import numpy as np

from labeldesk.ml.strategies.typiclust import SAME_VECTOR, typicality


def typicality_apart(points: np.ndarray, reference: np.ndarray, k: int) -> np.ndarray:
    """The computation written out one step at a time (as before session 43)."""
    sims = points @ reference.T
    dist = np.sqrt(np.clip(2.0 - 2.0 * sims, 0.0, None))
    dist[sims >= SAME_VECTOR] = np.inf
    dist[np.arange(len(points)), np.arange(len(points))] = np.inf
    k = max(1, min(k, reference.shape[0] - 1))
    nearest = np.partition(dist, k - 1, axis=1)[:, :k]
    return 1.0 / (nearest.mean(axis=1) + 1e-5)


def test_typicality_is_the_same_and_holds_one_matrix():
    rng = np.random.default_rng(0)
    ref = rng.normal(size=(1500, 32)).astype(np.float32)
    ref[700] = ref[3]  # a copy: left out, as before
    ref /= np.linalg.norm(ref, axis=1, keepdims=True)
    points = ref[:1000]
    want = typicality_apart(points, ref, 20)
    tracemalloc.start()
    try:
        got = typicality(points, ref, 20)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(got, want)
    matrix = 1000 * 1500 * 4
    assert peak < 1.6 * matrix
