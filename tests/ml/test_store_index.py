"""The compressed search index (PCA + IVF-PQ, re-ranked exactly) at small scale, and
the store's persistent copy of it: reloaded, extended when the store grows, rebuilt when
stale or damaged."""

from __future__ import annotations

import hashlib
import json
import logging

import numpy as np
import pytest

from labeldesk.ml import store_index as si
from labeldesk.ml.search import IndexConfig, VectorIndex, knn_graph
from labeldesk.ml.store_index import FILE_NAME, ProjectIndex, store_index
from labeldesk.ml.vectors import VectorStore

DIM = 64
# The 1M defaults scaled down: 256 -> 32 PCA dimensions, 64 -> 16 code bytes; with so
# few lists, half of them are probed (list borders cut through most neighbourhoods).
SMALL = IndexConfig(False, nlist=32, nprobe=16, reduced=32, code_bytes=16, rerank=64)


def clustered(n: int, seed: int = 0, clusters: int = 60) -> np.ndarray:
    """Classes around centres, each vector's spread mostly within a 16-d subspace (real
    embeddings have far fewer effective dimensions than coordinates), so that the PCA
    keeps what tells neighbours apart, as it does for real embeddings."""
    fixed = np.random.default_rng(1234)
    centres = fixed.normal(size=(clusters, DIM))
    basis = fixed.normal(size=(16, DIM)) / 4
    rng = np.random.default_rng(seed)
    x = centres[rng.integers(0, clusters, n)] + rng.normal(size=(n, 16)) @ basis
    x += 0.05 * rng.normal(size=(n, DIM))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x.astype(np.float32)


def recall(exact: np.ndarray, approx: np.ndarray) -> float:
    k = exact.shape[1]
    return float(np.mean([len(set(a) & set(b)) / k for a, b in zip(exact, approx, strict=True)]))


def hashes(start: int, n: int) -> list[str]:
    return [hashlib.md5(str(i).encode()).hexdigest() for i in range(start, start + n)]


def make_store(tmp_path, x: np.ndarray) -> VectorStore:
    folder = tmp_path / "store"
    with VectorStore.writer(folder, DIM) as writer:
        writer.append(hashes(0, len(x)), x)
    return VectorStore(folder, DIM)


def grow(store: VectorStore, x: np.ndarray) -> VectorStore:
    with VectorStore.writer(store.folder, DIM) as writer:
        writer.append(hashes(store.count, len(x)), x)
    return VectorStore(store.folder, DIM)


def test_compressed_recall_and_exact_similarities():
    x = clustered(6000)
    queries = clustered(300, seed=1)
    exact_rows = VectorIndex(x, IndexConfig(exact=True)).search(queries, 20)[1]
    index = VectorIndex(x.astype(np.float16), SMALL)  # built from float16, like the store
    sims, rows = index.search(queries, 20)
    assert recall(exact_rows, rows) >= 0.95
    # Candidates are re-ranked exactly: each similarity is the stored vectors' dot product.
    stored = x.astype(np.float16).astype(np.float32)
    np.testing.assert_allclose(sims, np.einsum("qd,qkd->qk", queries, stored[rows]), atol=1e-5)
    assert (np.diff(sims, axis=1) <= 0).all()
    # Without re-ranking (codes alone) the same index is clearly worse: the step matters.
    coarse = VectorIndex.from_faiss(index.index, SMALL)  # no vectors to re-rank from
    assert recall(exact_rows, coarse.search(queries, 20)[1]) < recall(exact_rows, rows) - 0.1
    import faiss

    assert faiss.extract_index_ivf(index.index).code_size == SMALL.code_bytes  # 16 B a vector


def test_knn_graph_compressed_matches_exact_on_near_duplicates():
    rng = np.random.default_rng(5)
    x = clustered(6000, seed=2)
    copies = rng.choice(6000, 120, replace=False)
    x[copies[1::2]] = x[copies[::2]] + 0.01 * rng.normal(size=(60, DIM)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    exact_sims, exact_rows = knn_graph(x, 10)
    sims, rows = knn_graph(x, 10, exact_max=0)
    pairs = {
        (i, int(exact_rows[i, j])) for i, j in zip(*np.nonzero(exact_sims >= 0.95), strict=True)
    }
    found = {(i, int(rows[i, j])) for i, j in zip(*np.nonzero(sims >= 0.95), strict=True)}
    assert len(pairs) >= 120 and found == pairs  # every pair of the exact pass, nothing more
    # IVF and flat search sum the same products in another order: a few float32 ulps apart
    np.testing.assert_allclose(sims[sims >= 0.95], exact_sims[exact_sims >= 0.95], atol=1e-5)


def test_saved_index_is_reloaded_not_rebuilt(tmp_path, monkeypatch):
    x = clustered(3000)
    store = make_store(tmp_path, x)
    first = store_index(store, SMALL)
    path = store.folder / FILE_NAME
    assert path.exists()
    expected = first.search(x[:20], 5)

    def no_building(*args, **kwargs):
        raise AssertionError("the saved index was built again")

    monkeypatch.setattr(
        si, "VectorIndex", type("NoBuild", (VectorIndex,), {"__init__": no_building})
    )
    again = store_index(VectorStore(store.folder, DIM), SMALL)
    assert again.size == 3000
    for got, want in zip(again.search(x[:20], 5), expected, strict=True):
        np.testing.assert_array_equal(got, want)
    assert (again.search(x[:20], 1)[1][:, 0] == np.arange(20)).all()  # each finds itself


def test_an_index_read_for_a_few_queries_skips_the_precomputed_table(tmp_path):
    """The table faiss precomputes for many queries (lists x codes x 256 floats: 83 MB
    at 100k images, more than the index) is not made for one query; the same answers."""
    import faiss

    x = clustered(3000)
    store = make_store(tmp_path, x)
    store_index(store, SMALL)  # built and saved
    full = store_index(VectorStore(store.folder, DIM), SMALL)
    lean = store_index(VectorStore(store.folder, DIM), SMALL, few_queries=True)

    def table(index: VectorIndex) -> int:
        return faiss.downcast_index(faiss.extract_index_ivf(index.index)).precomputed_table.size()

    assert table(full) > 0 and table(lean) == 0
    for got, want in zip(lean.search(x[:50], 10), full.search(x[:50], 10), strict=True):
        np.testing.assert_array_equal(got, want)


def header_of(path) -> dict:
    data = path.read_bytes()
    start = len(si.MAGIC) + 8
    (length,) = np.frombuffer(data[len(si.MAGIC) : start], dtype="<u8")
    return json.loads(data[start : start + int(length)])


def test_added_vectors_extend_the_index_without_retraining(tmp_path):
    x = clustered(4000)
    store = make_store(tmp_path, x[:3000])
    store_index(store, SMALL)
    store = grow(store, x[3000:])
    index = store_index(store, SMALL)
    assert index.size == 4000
    header = header_of(store.folder / FILE_NAME)
    assert (header["rows"], header["trained_rows"]) == (4000, 3000)  # added, same training
    assert (index.search(x[3000:3100], 1)[1][:, 0] == np.arange(3000, 3100)).all()
    exact = VectorIndex(x, IndexConfig(exact=True)).search(x[3000:3200], 20)[1]
    assert recall(exact, index.search(x[3000:3200], 20)[1]) >= 0.95
    # Growing past twice the training rows retrains.
    store = grow(store, clustered(5000, seed=3))
    index = store_index(store, SMALL)
    assert header_of(store.folder / FILE_NAME)["trained_rows"] == 9000 == index.size


DAMAGE = ("truncated", "one byte flipped", "random bytes", "empty", "a bare faiss file")


@pytest.mark.parametrize("how", DAMAGE)
def test_damaged_index_file_is_rebuilt(tmp_path, caplog, how):
    x = clustered(3000)
    store = make_store(tmp_path, x)
    expected = store_index(store, SMALL).search(x[:10], 5)[1]
    path = store.folder / FILE_NAME
    good = path.read_bytes()
    if how == "truncated":
        path.write_bytes(good[: len(good) // 2])
    elif how == "one byte flipped":
        middle = len(good) // 2
        path.write_bytes(good[:middle] + bytes([good[middle] ^ 0xFF]) + good[middle + 1 :])
    elif how == "random bytes":
        path.write_bytes(np.random.default_rng(0).bytes(len(good)))
    elif how == "empty":
        path.write_bytes(b"")
    else:
        import faiss

        faiss.write_index(faiss.IndexFlatIP(DIM), str(path))
    with caplog.at_level(logging.WARNING):
        index = store_index(VectorStore(store.folder, DIM), SMALL)
    assert str(path) in caplog.text
    assert index.size == 3000
    np.testing.assert_array_equal(index.search(x[:10], 5)[1], expected)  # same seed, same index
    assert header_of(path)["rows"] == 3000  # replaced by a good file


def test_index_of_other_or_rebuilt_vectors_is_stale(tmp_path, caplog):
    x = clustered(3000)
    store = make_store(tmp_path, x)
    store_index(store, SMALL)
    saved = (store.folder / FILE_NAME).read_bytes()
    with VectorStore.writer(store.folder, DIM) as writer:  # re-embedded: same images, new rows
        writer.rebuild("test")
        writer.append(hashes(0, 3000)[::-1], x)
    (store.folder / FILE_NAME).write_bytes(saved)  # an old copy put back
    store = VectorStore(store.folder, DIM)
    with caplog.at_level(logging.WARNING):
        index = store_index(store, SMALL)
    assert "rebuilt since" in caplog.text or "other images" in caplog.text
    assert (index.search(x[:50], 1)[1][:, 0] == np.arange(50)).all()


def test_project_index_maps_store_rows_to_project_rows(tmp_path):
    x = clustered(3000)
    store = make_store(tmp_path, x)
    index = store_index(store, SMALL)
    # Project rows: store rows reversed, store row 7 shared by two paths (same bytes),
    # store rows 0-9 (but 7) not usable (no project row).
    store_rows = np.concatenate([np.arange(2999, 9, -1), [7, 7]])
    project = ProjectIndex(index, store_rows)
    assert project.size == len(store_rows)
    sims, rows = project.search(x[7], 5)
    assert sorted(rows[0, :2].tolist()) == [2990, 2991] and np.allclose(sims[0, :2], 1, atol=1e-3)
    sims, rows = project.search(x[:5], 20)
    assert (rows >= 0).all() and not np.isin(store_rows[rows], [0, 1, 2, 3, 4, 5, 6, 8, 9]).any()
    exact = VectorIndex(x[store_rows], IndexConfig(exact=True)).search(x[:5], 20)
    assert recall(exact[1], rows) >= 0.95


def test_store_rows_the_project_lacks_take_no_candidate_slot(tmp_path):
    """Images the project does not have, stored after its index was built (a drift
    check's new images; here near copies of project images, each nearer a project image
    than its neighbours are): the project's searches, at the kNN graph's low effort and
    at the default one, answer what they answered before those rows were stored (before,
    the copies took candidate slots and moved project rows out of the answers)."""
    x = clustered(3000)
    store = make_store(tmp_path, x)
    own = np.arange(3000)
    queries = x[:300]
    before = [ProjectIndex(store_index(store, SMALL), own).search(queries, 21, 4, 32)]
    before.append(ProjectIndex(store_index(store, SMALL), own).search(queries, 10))
    rng = np.random.default_rng(9)
    copies = x[rng.integers(0, 300, 600)] + 0.02 * rng.normal(size=(600, DIM))
    store = grow(store, (copies / np.linalg.norm(copies, axis=1, keepdims=True)).astype("f4"))
    index = store_index(store, SMALL)
    assert index.size == 3600  # extended, not retrained: the project rows' codes as before
    after = [ProjectIndex(index, own).search(queries, 21, 4, 32)]
    after.append(ProjectIndex(index, own).search(queries, 10))
    for (sims, rows), (sims_before, rows_before) in zip(after, before, strict=True):
        assert np.array_equal(rows, rows_before)
        np.testing.assert_array_equal(sims, sims_before)


def test_queries_among_removed_images_are_answered_without_asking_for_the_whole_index(
    tmp_path,
):
    """Most of a cluster removed from the folder: the store (append-only) and its index
    keep their vectors, so a kept image's probed lists hold almost only removed rows.
    Only the short queries ask faiss again, never for more than MAX_CANDIDATES rows; what
    faiss cannot give is found exactly, so the answer is the exact one."""
    x = clustered(3000)
    rng = np.random.default_rng(5)
    centre = rng.normal(size=DIM)
    gone = centre + 0.05 * rng.normal(size=(1500, DIM))
    gone /= np.linalg.norm(gone, axis=1, keepdims=True)
    store = make_store(tmp_path, np.concatenate([x, gone.astype(np.float32)]))
    config = IndexConfig(False, nlist=32, nprobe=2, reduced=32, code_bytes=16, rerank=64)
    index = store_index(store, config)
    store_rows = np.r_[np.arange(3000), np.arange(3000, 3005)]  # 5 of the cluster kept
    asked: list[tuple[int, int]] = []
    real_search = index.search

    def search(q, k, nprobe=None, rerank=None, **kw):
        asked.append((len(np.atleast_2d(q)), k))
        return real_search(q, k, nprobe, rerank, **kw)

    index.search = search  # type: ignore[method-assign]
    project = ProjectIndex(index, store_rows)
    queries = np.asarray(store.matrix()[np.r_[3000:3005, 0:40]], dtype=np.float32)
    sims, rows = project.search(queries, 10)

    assert max(k for _, k in asked) <= si.MAX_CANDIDATES < store.count
    assert all(n <= 5 for n, _ in asked[1:])  # only the short queries are searched again
    vectors = np.asarray(store.matrix()[store_rows], dtype=np.float32)
    exact_sims, exact_rows = VectorIndex(vectors, IndexConfig(exact=True)).search(queries, 10)
    for got, want in zip(rows[:5], exact_rows[:5], strict=True):
        assert set(got.tolist()) == set(want.tolist())
    np.testing.assert_allclose(sims[:5], exact_sims[:5], atol=2e-3)
    assert (rows >= 0).all()  # every query has its 10 (approximate for the others)
