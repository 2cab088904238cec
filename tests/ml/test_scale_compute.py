"""The compute paths a 1M-image project takes give what the whole-matrix paths give: the
chunked exact PCA, the one-pass kNN vote, the vectors read through the store's memory
map, and the queue's coverage clustering on a sample of a huge label set."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from labeldesk.ml import out_of_sample, pca_chunks, probe, store
from labeldesk.ml.backbones import ModelIdentity
from labeldesk.ml.strategies import auto
from labeldesk.ml.strategies.base import QueryContext
from labeldesk.ml.vectors import VectorStore


def blobs(n: int, dim: int, k: int = 5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, dim)) * 0.6
    truth = rng.integers(0, k, n)
    x = centres[truth] + rng.normal(size=(n, dim)) * np.geomspace(2.0, 0.05, dim)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x.astype(np.float32), truth


def test_chunked_pca_spans_the_same_space_as_sklearns():
    x, _ = blobs(3000, 64)
    whole = probe.reduce(x, dims=8)
    chunked = pca_chunks.pca_reduce(x, 8)
    assert chunked.shape == whole.shape and chunked.dtype == np.float32
    # the same subspace (randomized SVD is itself approximate on the last axes)
    fit = np.linalg.lstsq(whole, chunked, rcond=None)[0]
    residual = chunked - whole @ fit
    assert (residual**2).sum() / (chunked**2).sum() < 1e-3
    assert np.mean((chunked**2).sum(axis=1)) == pytest.approx(1.0, rel=1e-4)
    assert np.abs(chunked.mean(axis=0)).max() < 1e-4


def test_chunked_pca_on_a_float16_sample_in_small_chunks(monkeypatch):
    x, _ = blobs(3000, 64, seed=1)
    whole = pca_chunks.pca_reduce(x, 8)
    monkeypatch.setattr(pca_chunks, "CHUNK", 256)
    sampled = pca_chunks.pca_reduce(x.astype(np.float16), 8, fit_max=800)
    fit = np.linalg.lstsq(whole, sampled, rcond=None)[0]
    residual = sampled - whole @ fit
    assert (residual**2).sum() / (sampled**2).sum() < 0.05


def test_reduced_once_the_probe_predicts_as_before():
    """out_of_sample_probs reduces once and hands the probe the reduced matrix; the
    probe's predictions from it are those from the raw features."""
    x, truth = blobs(1500, 300, k=4, seed=2)
    train = np.ones(len(x), bool)
    before = probe.probe_probabilities(x, truth, train, 4)
    after = probe.probe_probabilities(pca_chunks.pca_reduce(x, probe.PCA_DIMS), truth, train, 4)
    assert (before.probs.argmax(1) == after.probs.argmax(1)).mean() > 0.97
    assert np.abs(before.probs - after.probs).mean() < 0.02


@pytest.mark.parametrize("big", [False, True])
def test_out_of_sample_probs_reduces_once_for_both_rounds(monkeypatch, big):
    """Small: the probe's own PCA (the figures as before); big: the chunked exact one."""
    x, truth = blobs(600, 40, k=3, seed=3)
    calls = []
    name = "pca_reduce" if big else "reduce"
    real = getattr(out_of_sample, name)

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(out_of_sample, name, counted)
    monkeypatch.setattr(out_of_sample, "PCA_FIT_MAX", 300 if big else 10_000)
    sims = np.zeros((len(x), 3), np.float32)
    rows = np.full((len(x), 3), -1)
    train = np.ones(len(x), bool)
    probs, oof = out_of_sample.out_of_sample_probs(x, truth, train, 3, sims, rows, clean_rounds=1)
    assert out_of_sample.enough_to_clean(truth, train)  # so there were two rounds
    assert len(calls) == 1 and oof.all()
    assert (probs.argmax(1) == truth).mean() > 0.9


def test_knn_votes_match_a_plain_loop():
    rng = np.random.default_rng(4)
    n, k, c = 200, 6, 4
    rows = rng.integers(-1, n, (n, k))
    sims = rng.uniform(0.5, 1.0, (n, k)).astype(np.float32)
    labels = rng.integers(-1, c, n)
    trainable = rng.random(n) < 0.7
    votes, evidence = out_of_sample.knn_votes(sims, rows, labels, trainable, c, k=k)
    for i in range(n):
        want = np.zeros(c)
        voters = 0
        for s, r in zip(sims[i], rows[i], strict=True):
            if r >= 0 and trainable[r]:
                want[max(labels[r], 0)] += np.exp((s - 1) / out_of_sample.KNN_TEMPERATURE)
                voters += 1
        want = want / want.sum() if want.sum() > 0 else np.full(c, 1 / c)
        np.testing.assert_allclose(votes[i], want, rtol=1e-6)
        assert evidence[i] == pytest.approx(voters / k)


def written_store(tmp_path, n: int = 2000, dim: int = 64) -> tuple[VectorStore, np.ndarray]:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(n, dim)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    identity = ModelIdentity("test-model", "synthetic", "0" * 64)
    folder = VectorStore.for_identity(tmp_path, identity, dim).folder
    with VectorStore.writer(folder, dim) as writer:
        writer.append([f"{i:032x}" for i in range(n)], x)
    return VectorStore.open_existing(folder), x


def test_big_vectors_in_store_order_are_read_through_the_memory_map(tmp_path):
    st, x = written_store(tmp_path)
    store.forget_shared_vectors()
    tracemalloc.start()
    got = store._gather_shared(st, np.arange(len(x)), np.float16)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert isinstance(got, np.memmap) and got.dtype == np.float16 and got.shape == x.shape
    assert peak < x.size  # a copy would take x.size * 2 bytes
    assert not got.flags.writeable
    np.testing.assert_allclose(got.astype(np.float32), x, atol=1e-3)
    store.forget_shared_vectors()


def test_picked_or_reordered_rows_are_copied_as_float16(tmp_path):
    st, x = written_store(tmp_path)
    store.forget_shared_vectors()
    order = np.arange(len(x))[::-1].copy()
    for rows in (order, np.arange(0, len(x), 2), np.arange(1, len(x))):
        got = store._gather_shared(st, rows, np.float16)
        assert not isinstance(got, np.memmap) and got.dtype == np.float16
        np.testing.assert_allclose(got.astype(np.float32), x[rows], atol=1e-3)
    prefix = store._gather_shared(st, np.arange(100), np.float16)
    assert isinstance(prefix, np.memmap) and prefix.shape == (100, x.shape[1])
    small = store._gather_shared(st, np.arange(len(x)), np.float32)  # small projects
    assert small.dtype == np.float32 and not isinstance(small, np.memmap)
    store.forget_shared_vectors()


def test_coverage_clusters_a_sample_of_a_huge_label_set(monkeypatch):
    rng = np.random.default_rng(6)
    n = 12_000
    x = rng.normal(size=(n, 8)).astype(np.float32)
    labels = np.where(rng.random(n) < 0.9, rng.integers(0, 3, n), -1)
    ctx = QueryContext(
        embeddings=x,
        labeled_mask=labels >= 0,
        candidate_mask=labels < 0,
        labels=labels,
        n_classes=3,
        seed=0,
    )
    seen = []
    real = auto.typiclust_all  # (the sample is its own: typiclust does not sample it again)

    def recording(sample: QueryContext, k: int):
        seen.append((len(sample.labels), int(sample.labeled_mask.sum())))
        return real(sample, k)

    monkeypatch.setattr(auto, "typiclust_all", recording)
    monkeypatch.setattr(auto, "COVERAGE_MAX_LABELED", 2000)
    picks = auto.coverage_picks(ctx, 5)
    others = int((labels < 0).sum())
    assert seen == [(2000 + others, 2000)]  # not ~10,800 labeled
    assert len(picks) == 5 and (labels[picks] < 0).all()


def test_the_probe_fits_with_one_blas_thread(monkeypatch):
    """Thin products on busy cores: a second BLAS thread spun for ten times the CPU."""
    from threadpoolctl import threadpool_info

    seen = []
    real = out_of_sample.probe_probabilities

    def recording(*args, **kwargs):
        seen.append({i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"})
        return real(*args, **kwargs)

    monkeypatch.setattr(out_of_sample, "probe_probabilities", recording)
    x, truth = blobs(400, 20, k=3, seed=7)
    sims = np.zeros((len(x), 3), np.float32)
    rows = np.full((len(x), 3), -1)
    out_of_sample.out_of_sample_probs(x, truth, np.ones(len(x), bool), 3, sims, rows)
    assert seen and all(threads <= {1} for threads in seen)
