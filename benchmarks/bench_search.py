"""Similarity-search benchmark: query latency, recall of the approximate index against
exact search, build time and memory, and the all-pairs near-duplicate pass.

Vectors are random but clustered (like real embeddings: many classes, each a cloud around
its centre), 1280-d, L2-normalised. For each size the index LabelDesk would choose
(`IndexConfig.choose`) is built and queried one query at a time (as the GUI does).

Targets (issue 3, 2 cores): p99 < 20 ms at 1M with recall@20 >= 0.95; all-pairs
near-duplicate pass over 100k vectors < 60 s.

    python benchmarks/bench_search.py                   # 100k and 1M
    python benchmarks/bench_search.py --sizes 100000 --queries 200
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from labeldesk.ml.search import IndexConfig, VectorIndex, knn_graph

DIM = 1280


def clustered(n: int, seed: int = 0, per_cluster: int = 100, chunk: int = 100_000) -> np.ndarray:
    """Classes within super-classes around a shared direction, with heavy per-image noise:
    like CNN embeddings, where unrelated images have cosine ~0.15 and a nearest neighbour
    ~0.8, and clusters overlap."""
    rng = np.random.default_rng(seed)
    shared = rng.normal(size=DIM).astype(np.float32)
    supers = rng.normal(size=(max(1, n // (per_cluster * 20)), DIM)).astype(np.float32)
    n_centres = max(1, n // per_cluster)
    centres = 0.4 * shared + supers[rng.integers(0, len(supers), n_centres)]
    centres += 0.8 * rng.normal(size=centres.shape).astype(np.float32)
    out = np.empty((n, DIM), dtype=np.float32)
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        x = centres[rng.integers(0, n_centres, stop - start)]
        x += rng.normal(scale=1.1, size=x.shape).astype(np.float32)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        out[start:stop] = x
    return out


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_size(n: int, n_queries: int, k: int) -> None:
    both = clustered(n + n_queries)
    x, queries = both[:n], both[n:]  # queries: new images from the same distribution
    del both

    config = IndexConfig.choose(n)
    before = rss_mb()
    t0 = time.perf_counter()
    index = VectorIndex(x, config)
    build = time.perf_counter() - t0
    index_mb = rss_mb() - before

    latencies = []
    approx = np.empty((n_queries, k), dtype=np.int64)
    for i, q in enumerate(queries):
        t = time.perf_counter()
        approx[i] = index.search(q, k)[1][0]
        latencies.append(time.perf_counter() - t)
    lat = np.array(latencies) * 1000

    exact_index = VectorIndex(x, IndexConfig(exact=True))
    t = time.perf_counter()
    exact = exact_index.search(queries, k)[1]
    exact_batch = time.perf_counter() - t
    t = time.perf_counter()
    for q in queries[:50]:
        exact_index.search(q, k)
    exact_single = (time.perf_counter() - t) / 50 * 1000
    recall = np.mean([len(set(a) & set(b)) / k for a, b in zip(exact, approx, strict=True)])
    kind = (
        "exact (flat)" if config.exact else f"IVF nlist={config.nlist} nprobe={config.nprobe} fp16"
    )
    print(f"n={n:>9,}  index: {kind}")
    print(
        f"  build {build:6.1f} s   index memory ~{index_mb:,.0f} MB"
        f"   vectors {x.nbytes / 2**20:,.0f} MB"
    )
    print(
        f"  query k={k}: p50 {np.percentile(lat, 50):6.2f} ms"
        f"   p99 {np.percentile(lat, 99):6.2f} ms"
        f"   recall@{k} {recall:.4f}   (exact single query {exact_single:.1f} ms,"
        f" exact batch of {n_queries} {exact_batch:.1f} s)"
    )
    del exact_index, index


def bench_duplicates(n: int, k: int = 10) -> None:
    x = clustered(n, seed=2)
    dup = np.random.default_rng(3).choice(n, n // 100, replace=False)  # plant 1% near copies
    x[dup[1::2]] = x[dup[::2]][: len(dup[1::2])] + 0.004 * np.random.default_rng(4).normal(
        size=(len(dup[1::2]), DIM)
    ).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    t = time.perf_counter()
    sims, rows = knn_graph(x, k)
    seconds = time.perf_counter() - t
    pairs = int((sims >= 0.95).sum())
    found = np.mean([rows[a, 0] == b for a, b in zip(dup[1::2], dup[::2], strict=False)])
    print(
        f"all-pairs near-duplicate pass over {n:,}: {seconds:.1f} s (kNN graph k={k}); "
        f"{pairs} directed pairs >= 0.95; planted copies found as first neighbour: {found:.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("-k", type=int, default=20)
    parser.add_argument("--dup-size", type=int, default=100_000)
    args = parser.parse_args()
    import faiss

    print(f"faiss {faiss.__version__}, {faiss.omp_get_max_threads()} threads")
    bench_duplicates(args.dup_size)
    for n in (int(s) for s in args.sizes.split(",")):
        bench_size(n, args.queries, args.k)


if __name__ == "__main__":
    main()
