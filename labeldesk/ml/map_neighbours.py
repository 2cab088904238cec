"""The UMAP map's neighbour step, done so that it is quick and says how far it is.

UMAP left to itself spent most of a small map's time on this step compiling code, not
searching: below 4,096 images it computes every pairwise distance and sorts them with
numba functions compiled anew in every process, and the neighbour graph it builds from
them is compiled again each time too (on 2 busy cores, 30-75 s of a 303-image map with
no count shown). Here the neighbours are found exactly with faiss, in chunks whose
progress is reported, and handed to UMAP (``precomputed_knn``); and UMAP's own compiled
functions are saved to numba's on-disk cache, as pynndescent already does for its own,
so only a computer's first map compiles them (numba's default place: ``__pycache__``
next to umap's code, or the user's cache folder when that is read-only).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

# Exact search costs n^2 dot products (at 30,000 images of 1,280 floats ~1.2e12
# multiply-adds, BLAS on every core). Up to 30,000 images it was no slower than UMAP's own
# search (pynndescent), which is approximate and which numba compiles on a computer's
# first map (benchmarks/bench_map_neighbour_step.py). A map of more (a project's map is
# fitted on at most projection.MAP_FIT_MAX) lets UMAP search itself: exact at 50,000
# would cost ~2.8 times as much, and was not measured.
EXACT_MAX = 30_000
CHUNK = 1024  # query rows a search call: the count moves every chunk

Report = Callable[[int, int], None]  # (done, total)


def exact_neighbours(
    vectors: np.ndarray, k: int, report: Report | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's ``k`` nearest rows by cosine distance, itself among them (distance 0):
    ``(indices int64 (n, k), distances float32 (n, k))``, nearest first, as UMAP's
    ``precomputed_knn`` takes them. ``report(done, total)`` after each chunk of rows.
    Holds one float32 copy of the vectors (unit rows), searched in place: no index."""
    import faiss

    x = np.array(vectors, dtype=np.float32, order="C", copy=True)  # the caller's stay as given
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    x /= np.where(norms > 0, norms, 1)  # a zero vector stays zero (cosine 0 to all)
    del norms
    n = len(x)
    indices = np.empty((n, k), dtype=np.int64)
    sims = np.empty((n, k), dtype=np.float32)
    for start in range(0, n, CHUNK):
        stop = min(n, start + CHUNK)
        sims[start:stop], indices[start:stop] = faiss.knn(
            x[start:stop], x, k, metric=faiss.METRIC_INNER_PRODUCT
        )
        if report is not None:
            report(stop, n)
    return indices, np.clip(1.0 - sims, 0.0, 2.0).astype(np.float32)


def cache_umap_compilation() -> int:
    """Have numba save UMAP's compiled functions on disk (and load them next time);
    returns how many were switched on. Only called in the map's own child process."""
    import umap.distances
    import umap.layouts
    import umap.sparse
    import umap.spectral
    import umap.umap_
    import umap.utils
    from numba.core.caching import NullCache
    from numba.core.registry import CPUDispatcher

    switched = 0
    modules = (umap.umap_, umap.utils, umap.layouts, umap.spectral, umap.distances, umap.sparse)
    for module in modules:
        for fn in list(vars(module).values()):
            if (
                isinstance(fn, CPUDispatcher)
                and fn.__module__ == module.__name__  # umap's, not one it imported
                and isinstance(getattr(fn, "_cache", None), NullCache)  # not cached already
                and not fn.overloads  # nothing compiled yet
            ):
                fn.enable_caching()
                switched += 1
    return switched
