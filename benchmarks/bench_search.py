"""Similarity-search benchmark: query latency, recall of the approximate index against
exact search, build time and memory, and the all-pairs near-duplicate pass.

Vectors are synthetic but clustered (like real embeddings: many classes, each a cloud
around its centre), 1280-d (the default backbone's width), L2-normalised; they are
generated in chunks into a float16 memory map under the temp folder
(benchmarks/synthetic_vectors.py) and indexed from it, as a project indexes its vector
store, so no size ever holds all vectors as float32. For each size the index LabelDesk
would choose (`IndexConfig.choose`) is built and queried one query at a time (as the GUI
does); queries are new vectors from the same distribution; recall@k is against an exact
chunked scan. With `--sets` the same is done on real embedded sets (benchmarks/
embedded_sets.py's cache) with the index forced on (parameters scaled down by size).

Targets (issue 15, 2 cores): at 1M, p99 < 20 ms with recall@20 >= 0.95 and the index in
< 1 GB; growth linear or better from 100k to 1M.

    python benchmarks/bench_search.py --n 100000,300000,1000000
    python benchmarks/bench_search.py --n 100000 --queries 200 --sets /tmp/fc/cache
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic_vectors import (
    FOLDER,
    clustered_memmap,
    exact_neighbours,
    fill_clustered,
    peak_mb,
    rss_mb,
)

from labeldesk.ml.search import IndexConfig, VectorIndex, knn_graph

DIM = 1280


def clustered(n: int, seed: int = 0) -> np.ndarray:
    """In-memory float32 clustered vectors (small sizes; the same rows as the memory map)."""
    return fill_clustered(np.empty((n, DIM), dtype=np.float32), seed)


def index_bytes(index: VectorIndex) -> int:
    import faiss

    return len(faiss.serialize_index(index.index))


def measure(x: np.ndarray, queries: np.ndarray, k: int, config: IndexConfig) -> dict:
    """Build ``config`` over ``x``, query one at a time, score against exact search."""
    before = rss_mb("RssAnon")
    t0 = time.perf_counter()
    index = VectorIndex(x, config)
    build = time.perf_counter() - t0
    grown = rss_mb("RssAnon") - before
    latencies = []
    approx = np.empty((len(queries), k), dtype=np.int64)
    for i, q in enumerate(queries):
        t = time.perf_counter()
        approx[i] = index.search(q, k)[1][0]
        latencies.append(time.perf_counter() - t)
    lat = np.array(latencies) * 1000
    t = time.perf_counter()
    exact = exact_neighbours(x, queries, k)[1]
    exact_batch = time.perf_counter() - t
    recall = np.mean([len(set(a) & set(b)) / k for a, b in zip(exact, approx, strict=True)])
    return {
        "kind": "exact (flat)"
        if config.exact
        else f"PCA{min(config.reduced, x.shape[1])}+IVF{config.nlist}+PQ{config.code_bytes}"
        f" nprobe={config.nprobe} rerank={config.rerank}",
        "build": build,
        "memory": index_bytes(index) / 2**20,
        "grown": grown,
        "p50": float(np.percentile(lat, 50)),
        "p99": float(np.percentile(lat, 99)),
        "recall": float(recall),
        "exact_batch": exact_batch,
    }


def bench_size(n: int, n_queries: int, k: int, nprobe: int | None, rerank: int | None) -> dict:
    data = clustered_memmap(n + n_queries)
    x, queries = data[:n], np.asarray(data[n:], dtype=np.float32)
    config = IndexConfig.choose(n, nprobe=nprobe)
    if rerank and not config.exact:
        config = IndexConfig(False, config.nlist, config.nprobe, rerank=rerank)
    r = measure(x, queries, k, config)
    print(f"n={n:>9,}  index: {r['kind']}")
    print(
        f"  build {r['build']:6.1f} s   index memory ~{r['memory']:,.0f} MB"
        f"   (process grew {r['grown']:,.0f} MB)   vectors {n * DIM * 2 / 2**20:,.0f} MB fp16"
        f" memory-mapped from {FOLDER}"
    )
    print(
        f"  query k={k}: p50 {r['p50']:6.2f} ms   p99 {r['p99']:6.2f} ms"
        f"   recall@{k} {r['recall']:.4f}   (exact batch of {n_queries}: {r['exact_batch']:.1f} s)",
        flush=True,
    )
    return r


def bench_sets(folder: Path, k: int) -> None:
    """Real embedded sets: recall of the compressed index (forced on) against exact."""
    for path in sorted(folder.glob("*.npz")):
        with np.load(path) as data:
            vectors = data["vectors"].astype(np.float32)
        queries, x = vectors[:200], vectors[200:]
        r = measure(x, queries, k, IndexConfig.choose(len(x), exact_max=0))
        print(
            f"{path.stem:>8} ({len(x):,} vectors): {r['kind']}: p99 {r['p99']:.2f} ms"
            f"   recall@{k} {r['recall']:.4f}   index memory ~{r['memory']:.1f} MB"
        )


def bench_duplicates(n: int, k: int = 10) -> None:
    from synthetic_vectors import with_planted_copies

    x, pairs = with_planted_copies(n)
    t = time.perf_counter()
    sims, rows = knn_graph(x, k)
    seconds = time.perf_counter() - t
    found = np.mean(rows[pairs[:, 0], 0] == pairs[:, 1])
    print(
        f"all-pairs near-duplicate pass over {n:,}: {seconds:.1f} s (kNN graph k={k}); "
        f"{int((sims >= 0.95).sum())} directed pairs >= 0.95; planted copies found as first "
        f"neighbour: {found:.3f}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", "--sizes", dest="sizes", default="100000,300000,1000000")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("-k", type=int, default=20)
    parser.add_argument("--nprobe", type=int, default=None, help="override the chosen nprobe")
    parser.add_argument("--rerank", type=int, default=None, help="override the candidates")
    parser.add_argument("--dup-size", type=int, default=0, help="all-pairs pass at this size")
    parser.add_argument("--sets", type=Path, default=None, help="folder of embedded .npz sets")
    args = parser.parse_args()
    start = time.perf_counter()
    import faiss

    print(f"faiss {faiss.__version__}, {faiss.omp_get_max_threads()} threads")
    if args.sets:
        bench_sets(args.sets, args.k)
    if args.dup_size:
        bench_duplicates(args.dup_size)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    results = {n: bench_size(n, args.queries, args.k, args.nprobe, args.rerank) for n in sizes}
    if len(results) > 1:
        print(f"\n{'':<22}" + "".join(f"{n:>12,}" for n in sizes))
        for label, key, fmt in (
            ("build s", "build", "{:12.1f}"),
            ("index memory MB", "memory", "{:12.0f}"),
            ("p50 ms", "p50", "{:12.2f}"),
            ("p99 ms", "p99", "{:12.2f}"),
            (f"recall@{args.k}", "recall", "{:12.4f}"),
        ):
            print(f"{label:<22}" + "".join(fmt.format(results[n][key]) for n in sizes))
    print(f"peak resident memory {peak_mb():,.0f} MB (memory-mapped pages included)")
    use = resource.getrusage(resource.RUSAGE_SELF)
    wall = time.perf_counter() - start
    print(f"process CPU {use.ru_utime + use.ru_stime:.1f} s, wall {wall:.1f} s (after imports)")


if __name__ == "__main__":
    main()
