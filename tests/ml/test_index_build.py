"""The compressed search index is built in short steps: a cancel (the app's Cancel) stops
it during training, leaving every vector and no index, and the next search or embedding
run builds it; the build holds a bounded part of the vectors at once; its recall is what
the README states (the 20 nearest found: recall@20 at least 0.95)."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import labeldesk as ld
from labeldesk.core.errors import Cancelled
from labeldesk.core.progress import CancelToken
from labeldesk.ml import index_build
from labeldesk.ml import store_index as si
from labeldesk.ml.embed import embed_project
from labeldesk.ml.search import IndexConfig, VectorIndex, import_faiss
from labeldesk.ml.store import current_store
from labeldesk.ml.vectors import VectorStore

from .test_index_at_embed import indexed_rows, large_project, si_path
from .test_similar_from_index import compressed, fresh_caches  # noqa: F401  (autouse)
from .test_store_index import hashes, recall
from .tiny_backbone import tiny_backbone


class CancelLater(CancelToken):
    """Cancels itself at the ``after``-th check once armed (the index build started)."""

    def __init__(self, after: int):
        super().__init__()
        self.armed, self.after, self.checks = False, after, 0

    @property
    def cancelled(self) -> bool:
        if self.armed:
            self.checks += 1
            if self.checks >= self.after:
                self.cancel()
        return super().cancelled


def test_a_cancel_while_the_index_trains_keeps_the_vectors_and_saves_no_index(
    tmp_path, monkeypatch
):
    compressed(monkeypatch)
    project = large_project(tmp_path)
    trained: list[str] = []
    real_pq = index_build._train_pq
    monkeypatch.setattr(index_build, "_train_pq", lambda *a: (trained.append("pq"), real_pq(*a)))
    with project:
        token = CancelLater(after=3)  # the PCA fitted, the lists not trained yet

        def progress(p):
            if p.message == "building the search index for similar images":
                token.armed = True

        report = embed_project(
            project, backbone=tiny_backbone(), runtime="torch", progress=progress, cancel=token
        )
        assert token.armed and report.cancelled and report.index_s is None
        assert report.index_unsaved  # the app says so (tests/gui/test_embed_cancel_index.py)
        assert report.embedded == 90 and current_store(project).count == 90  # all kept
        assert not si_path(project).exists() and not trained
        assert [p.name for p in current_store(project).folder.iterdir() if "faiss" in p.name] == []
        # the next run has nothing to embed: it builds the index the cancel left out
        again = embed_project(project, backbone=tiny_backbone(), runtime="torch")
        assert again.up_to_date and again.index_s is not None and not again.cancelled
        assert indexed_rows(project) == 90


def test_the_next_search_builds_an_index_a_cancel_left_out(tmp_path, monkeypatch):
    compressed(monkeypatch)
    project = large_project(tmp_path)
    with project:
        token = CancelLater(after=12)  # later: in the k-means or the codes' training

        def progress(p):
            token.armed = token.armed or p.message.startswith("building the search index")

        report = embed_project(
            project, backbone=tiny_backbone(), runtime="torch", progress=progress, cancel=token
        )
        assert report.cancelled and not si_path(project).exists()
        assert len(ld.similar(project, "a/img000.png", k=5)) == 5  # built by the search
        assert indexed_rows(project) == 90


def test_a_cancelled_extension_leaves_the_saved_index_as_it_was(tmp_path):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(700, 64)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    folder = tmp_path / "store"
    with VectorStore.writer(folder, 64) as writer:
        writer.append(hashes(0, 400), x[:400])
    config = IndexConfig(False, nlist=8, nprobe=8, reduced=16, code_bytes=8, rerank=64)
    si.store_index(VectorStore(folder, 64), config)
    saved = (folder / si.FILE_NAME).read_bytes()
    with VectorStore.writer(folder, 64) as writer:
        writer.append(hashes(400, 300), x[400:])
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        si.store_index(VectorStore(folder, 64), config, cancel=token)
    assert (folder / si.FILE_NAME).read_bytes() == saved  # the old rows' index, whole
    assert si.store_index(VectorStore(folder, 64), config).size == 700  # extended now


def test_the_build_holds_a_bounded_part_of_the_vectors_and_finds_the_nearest(tmp_path):
    """40,000 vectors of 256 (41 MB as float32): the build's arrays stay under half of
    that (before, the vectors were added 65,536 rows at a time: all 41 MB at once), and
    the built index finds the exact 20 nearest (recall@20 >= 0.95, the README's)."""
    dim, n = 256, 40_000
    rng = np.random.default_rng(7)
    centres = rng.normal(size=(60, dim)).astype(np.float32)
    basis = rng.normal(size=(16, dim)).astype(np.float32) / 4

    def draw(count):
        x = centres[rng.integers(0, 60, count)] + rng.normal(size=(count, 16)) @ basis
        x += 0.05 * rng.normal(size=(count, dim))
        return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)

    folder = tmp_path / "store"
    with VectorStore.writer(folder, dim) as writer:
        writer.append(hashes(0, n), draw(n))
    store = VectorStore(folder, dim)
    config = IndexConfig(False, nlist=64, nprobe=32, reduced=32, code_bytes=16, rerank=64)
    tracemalloc.start()
    try:
        si.store_index(store, config, few_queries=True)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < n * dim * 4 / 2
    queries = draw(200)
    exact = VectorIndex(np.asarray(store.matrix(), np.float32), IndexConfig(exact=True))
    built = si.store_index(VectorStore(folder, dim), config, few_queries=True)  # read back
    assert recall(exact.search(queries, 20)[1], built.search(queries, 20)[1]) >= 0.95


def test_the_pca_is_faiss_own_up_to_signs():
    """Fitted from chunked sums, the PCA keeps the distances faiss's own training keeps
    (eigenvectors may differ in sign), with faiss's mean and eigenvalues."""
    faiss = import_faiss()
    rng = np.random.default_rng(0)
    x = (rng.normal(size=(5000, 96)) * np.linspace(3, 0.1, 96)).astype(np.float32)
    theirs, ours = faiss.PCAMatrix(96, 24, 0, True), faiss.PCAMatrix(96, 24, 0, True)
    theirs.train(x)
    index_build._fit_pca(ours, x, np.arange(len(x)), CancelToken())
    a, b = theirs.apply(x[:100]), ours.apply(x[:100])
    dist = lambda y: ((y[:, None] - y[None]) ** 2).sum(-1)  # noqa: E731
    np.testing.assert_allclose(dist(a), dist(b), rtol=1e-3, atol=1e-3)
    for field in ("mean", "eigenvalues"):
        mine, faiss_own = (faiss.vector_to_array(getattr(p, field)) for p in (ours, theirs))
        np.testing.assert_allclose(mine[:24], faiss_own[:24], rtol=1e-3, atol=1e-4)


def test_rows_are_read_from_a_mapped_file_as_stored(tmp_path):
    path = tmp_path / "v.f16"
    data = np.random.default_rng(1).normal(size=(50, 8)).astype(np.float16)
    data.tofile(path)
    mapped = np.memmap(path, dtype=np.float16, mode="r", shape=(50, 8))
    rows = np.array([0, 1, 2, 7, 30, 31, 49])
    got = index_build.read_f32(mapped, rows)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, data[rows].astype(np.float32))
    np.testing.assert_array_equal(index_build.read_f32(data, rows), got)  # not mapped


def test_ctrl_c_while_the_index_is_built_says_what_was_kept(tmp_path, monkeypatch, capsys):
    from labeldesk.cli import main

    compressed(monkeypatch)
    project = large_project(tmp_path)
    project.close()
    monkeypatch.setattr("labeldesk.ml.embed.load_backbone", lambda _spec: tiny_backbone())

    def ctrl_c(*_a, **_k):
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(si, "VectorIndex", type("Interrupted", (VectorIndex,), {"__init__": ctrl_c}))
        assert main(["embed", str(project.path), "--runtime", "torch"]) == 130
    err = capsys.readouterr().err
    assert "interrupted; every embedding is kept; the search index for similar images was " in err
    with ld.open_project(project.path) as again:
        assert current_store(again).count == 90 and not si_path(again).exists()
    assert main(["embed", str(project.path), "--runtime", "torch"]) == 0
    assert "search index for similar images ready in" in capsys.readouterr().out
