"""k-means assigns every row a chunk at a time: the chunk is what it holds as float32
beside the rows (the cold start's 50,000-row sample), and the assignment is the one a
single search over every row gives."""

from __future__ import annotations

import tracemalloc

import numpy as np

from labeldesk.ml.search import import_faiss
from labeldesk.ml.strategies.kmeans import kmeans


def test_the_assignment_holds_a_small_chunk_and_matches_one_search():
    rng = np.random.default_rng(0)
    dim = 64
    centres = rng.normal(size=(3, dim))
    x = (centres[rng.integers(0, 3, 30_000)] + rng.normal(size=(30_000, dim))).astype(np.float16)
    faiss = import_faiss()  # its import's objects are not the assignment's
    tracemalloc.start()
    try:
        centroids, assign = kmeans(x, 3, seed=0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    index = faiss.IndexFlatL2(dim)
    index.add(np.ascontiguousarray(centroids, np.float32))
    _, nearest = index.search(x.astype(np.float32), 1)
    np.testing.assert_array_equal(assign, nearest[:, 0])
    # 16,384 rows of float32 were 4 MB here (84 MB at 1280-d); 4,096 rows are 1 MB
    assert peak < 2.5 * 2**20
