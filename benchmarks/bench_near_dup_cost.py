"""What the near-duplicate pass's kNN graph costs per image at 1M and at 10M images:
measured before deciding whether the pass should run on a Ray cluster (issue 15).

The pass's cost at scale is the kNN graph (one search per image in the compressed IVF
index, then the exact re-rank from the vectors); perceptual hashes come from the scan and
the pixel check only sees candidate pairs. A query's cost depends on the codes it scans
(nprobe / nlist x N, from the default IndexConfig at N) and the re-rank: this builds a
100k synthetic index (clustered unit vectors, 1280-d, float16) with nlist chosen so a
query scans what it would at N, and times 5,000 graph queries (k = 20) on one thread
(CPU time: the machine is shared).

Measured here at commit 4b63f85's IndexConfig (2 cores at a load of ~20, so CPU time is
the figure to use; IndexConfig.choose has since doubled nprobe, which doubles the codes
scanned, the smaller part of a query's cost below):
  as at 1M:  nlist 4000, nprobe 15, 3,750 codes a query: 2.8 ms CPU a query
  as at 10M: nlist 8192, nprobe 32, 39,062 codes a query: 3.3 ms CPU a query
  (index training ~180-190 s CPU either way)
So the graph is ~2,800 CPU s at 1M (~23 min on 2 cores) and ~33,000 CPU s at 10M
(~9 CPU hours, ~4.6 h on 2 cores, more when the 25.6 GB of float16 vectors do not fit in
memory and the re-rank reads them from disk). Queries are independent: on a cluster
they split into blocks against one shared index.

    OMP_NUM_THREADS=1 python benchmarks/bench_near_dup_cost.py [--n 100000] [--queries 5000]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from labeldesk.ml.search import IndexConfig, VectorIndex, graph_from

GRAPH_K = 20  # labeldesk.ml.neighbors.GRAPH_K


def clustered_vectors(n: int, dim: int = 1280, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(max(10, n // 100), dim)).astype(np.float32)
    out = np.empty((n, dim), np.float16)
    for start in range(0, n, 50_000):
        m = min(n, start + 50_000) - start
        v = centres[rng.integers(0, len(centres), m)]
        v = v + 0.6 * rng.normal(size=(m, dim)).astype(np.float32)
        out[start : start + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=5_000)
    args = parser.parse_args()
    x = clustered_vectors(args.n)
    for label, big_n in (("1M", 1_000_000), ("10M", 10_000_000)):
        chosen = IndexConfig.choose(big_n)
        scanned = chosen.nprobe / chosen.nlist * big_n
        nlist = max(16, round(chosen.nprobe * args.n / scanned))
        config = IndexConfig(exact=False, nlist=nlist, nprobe=chosen.nprobe)
        cpu = time.process_time()
        index = VectorIndex(x, config)
        built = time.process_time()
        graph_from(index, x[: args.queries], GRAPH_K)
        done = time.process_time()
        per_query = (done - built) / args.queries
        print(
            json.dumps(
                {
                    "as_at": label,
                    "nlist": chosen.nlist,
                    "nprobe": chosen.nprobe,
                    "codes_per_query": int(scanned),
                    "build_cpu_s": round(built - cpu, 1),
                    "query_cpu_ms": round(1000 * per_query, 3),
                    "graph_cpu_s_at_N": round(per_query * big_n),
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
