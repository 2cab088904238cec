"""The UMAP map's neighbour step: found exactly (faiss), counted, and handed to UMAP,
which builds its graph from them instead of searching (and compiling) on its own. These
run the real UMAP in this process (its compiled code is cached on disk after the first)."""

from __future__ import annotations

import numpy as np
import pytest

from labeldesk.ml import map_neighbours, projection


def clusters(n: int = 80, dim: int = 32, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(4, dim))
    return (centres[np.arange(n) % 4] + 0.3 * rng.normal(size=(n, dim))).astype(np.float32)


def test_exact_neighbours_are_the_nearest_by_cosine_counted_in_chunks(monkeypatch):
    x = clusters(50)
    monkeypatch.setattr(map_neighbours, "CHUNK", 16)
    counts: list[tuple[int, int]] = []
    indices, distances = map_neighbours.exact_neighbours(x, 6, lambda *c: counts.append(c))
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    cos = unit @ unit.T
    expected = np.argsort(-cos, axis=1, kind="stable")[:, :6]
    np.testing.assert_array_equal(indices[:, 0], np.arange(50))  # itself first
    np.testing.assert_array_equal(np.sort(indices, axis=1), np.sort(expected, axis=1))
    want = 1 - np.take_along_axis(cos, indices, axis=1)
    np.testing.assert_allclose(distances, np.clip(want, 0, 2), atol=1e-5)
    assert (np.diff(distances, axis=1) >= 0).all()  # nearest first
    assert counts == [(16, 50), (32, 50), (48, 50), (50, 50)]


@pytest.fixture(scope="module")
def fitted():
    """Two real UMAP fits of the same vectors with the same seed; what UMAP was given
    to build its graph from; the steps the fit reported."""
    import umap.umap_

    calls: list[np.ndarray] = []
    steps: list[tuple[str, int, int]] = []
    real_graph = umap.umap_.fuzzy_simplicial_set

    def graph(*args, **kwargs):
        calls.append(np.array(kwargs.get("knn_indices", args[5] if len(args) > 5 else None)))
        return real_graph(*args, **kwargs)

    def own_search(*args, **kwargs):
        raise AssertionError("UMAP searched for neighbours itself")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(umap.umap_, "fuzzy_simplicial_set", graph)
        mp.setattr(umap.umap_, "nearest_neighbors", own_search)
        mp.setattr(projection, "_step", lambda *s: steps.append(s))
        x = clusters()
        first = projection._umap(x, 7)
        second = projection._umap(x, 7)
    return x, first, second, calls, steps


def test_the_umap_map_builds_its_graph_from_the_exact_neighbours(fitted):
    x, first, _, calls, _ = fitted
    assert first.shape == (80, 2) and np.isfinite(first).all()
    expected, _ = map_neighbours.exact_neighbours(x, 15)
    assert len(calls) == 2
    np.testing.assert_array_equal(calls[0], expected)


def test_the_neighbour_step_reports_its_count(fitted):
    *_, steps = fitted
    neighbours = projection.FIT_STEPS["umap"][1]
    mine = [s for s in steps if s[0] == neighbours]
    assert mine[0] == (neighbours, 0, 0) and (neighbours, 80, 80) in mine
    assert mine[-1] == (neighbours, 0, 0)  # then UMAP builds its graph: no count


def test_the_map_is_the_same_for_the_same_seed(fitted):
    _, first, second, *_ = fitted
    np.testing.assert_array_equal(first, second)


def test_the_map_keeps_the_clusters_apart(fitted):
    _, xy, *_ = fitted
    from sklearn.neighbors import NearestNeighbors

    truth = np.arange(80) % 4
    _, near = NearestNeighbors(n_neighbors=6).fit(xy).kneighbors(xy)
    assert (truth[near[:, 1:]] == truth[:, None]).mean() > 0.95


def test_maps_up_to_30000_images_get_exact_neighbours(monkeypatch):
    """Maps up to 30,000 images (the largest size measured no slower exact) are searched
    exactly: above 20,000 UMAP searched for itself, with pynndescent, which numba
    compiles on a computer's first map (tens of seconds)."""
    import umap

    assert 25_000 <= map_neighbours.EXACT_MAX <= projection.MAP_FIT_MAX
    given: dict = {}

    class Recorder:  # UMAP's layout is not what this test is about: only what it is given
        def __init__(self, **kwargs):
            given.update(kwargs)

        def fit_transform(self, x):
            return np.zeros((len(x), 2), np.float32)

    monkeypatch.setattr(umap, "UMAP", Recorder)
    monkeypatch.setattr(projection, "_step", lambda *s: None)
    x = clusters(25_000, dim=16)
    projection._umap(x, 0)
    indices, distances = given["precomputed_knn"]
    assert indices.shape == distances.shape == (25_000, 15)
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    rows = np.random.default_rng(1).choice(25_000, 300, replace=False)
    nearest = np.sort(1 - unit[rows] @ unit.T, axis=1)[:, :15]
    np.testing.assert_allclose(distances[rows], np.clip(nearest, 0, 2), atol=1e-5)
    cos = np.einsum("id,ikd->ik", unit[rows], unit[indices[rows]])
    np.testing.assert_allclose(1 - cos, distances[rows], atol=1e-5)  # the rows named
