"""The near-duplicate pass's kNN graph on a Ray cluster against the same graph here.

Synthetic clustered 1280-d unit vectors (benchmarks/synthetic_vectors.py, float16) are
written into a real vector store under a temporary folder, with the store's compressed
index (what a project above 20k images searches; built once, not timed in either run).
Then the graph (k = 20, the pass's search effort) is computed:
  local   here, as `labeldesk duplicates` does (faiss on every core of this machine)
  ray     by `duplicates --ray`'s workers (labeldesk.ml.ray_graph.run_graph) on a real
          local cluster: a head and a second node on 127.0.0.1, 1 CPU each (the test
          suite's cluster, tests/cluster/local_ray.py), or --address for a running one;
          the workers read the store's folder (shared), or get it through Ray's object
          store with --ship.
For the cluster, start-up (actors start and load the index, until the first block comes
back) is split from the rows/s after it. The graphs are compared row for row. The load
average is printed: on a shared machine the figures are only comparable within a run.

    python benchmarks/bench_ray_dups.py [--n 100000] [--address HOST:PORT] [--ship]
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

K = 20  # labeldesk.ml.neighbors.GRAPH_K


def make_store(folder: Path, n: int):
    """A vector store holding ``n`` synthetic vectors (rows in order) and its index."""
    from synthetic_vectors import DIM, clustered_memmap

    from labeldesk.ml.search import IndexConfig
    from labeldesk.ml.store_index import store_index
    from labeldesk.ml.vectors import VectorStore

    source = clustered_memmap(n)
    folder.mkdir(parents=True)
    (folder / "identity.json").write_text(f'{{"dim": {DIM}}}')
    with VectorStore.writer(folder, DIM) as writer:
        for start in range(0, n, 65_536):
            stop = min(n, start + 65_536)
            writer.append([f"{i:032x}" for i in range(start, stop)], source[start:stop])
    store = VectorStore(folder, DIM)
    t = time.perf_counter()
    index = store_index(store, IndexConfig.choose(n))
    print(f"store: {n:,} x {DIM} float16, index built in {time.perf_counter() - t:.1f} s")
    return store, index


def load() -> str:
    return "load {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--address", help="a running cluster (default: start a local one)")
    parser.add_argument("--ship", action="store_true", help="send the store, do not share it")
    args = parser.parse_args()
    os.environ.setdefault("RAY_AUTH_TOKEN", secrets.token_hex(32))
    os.environ["RAY_AUTH_MODE"] = "token"
    from labeldesk.ml.search import graph_from
    from labeldesk.ml.store_index import ProjectIndex

    work = Path(tempfile.mkdtemp(prefix="bench-ray-dups-"))
    cluster = None
    try:
        store, index = make_store(work / "store", args.n)
        rows = np.arange(args.n, dtype=np.int64)
        print(f"local: starting ({load()})")
        cpu, started = time.process_time(), time.perf_counter()
        local_s, local_r = graph_from(ProjectIndex(index, rows), store.gather(rows), K)
        local_wall, local_cpu = time.perf_counter() - started, time.process_time() - cpu
        print(
            f"local: {args.n:,} rows in {local_wall:.1f} s ({args.n / local_wall:,.0f} rows/s, "
            f"{local_cpu:.0f} CPU s on {os.cpu_count()} cores; {load()})"
        )
        if args.address is None:
            from cluster.local_ray import LOOPBACK_ENV, start_local_ray

            os.environ.update(LOOPBACK_ENV)  # this driver on 127.0.0.1 too (before Ray loads)
            t = time.perf_counter()
            store_mb = 120 if not args.ship else 200 + args.n * 1280 * 2 // 2**20
            cluster = start_local_ray(cpus_per_node=1, nodes=2, object_store_mb=store_mb)
            print(f"local cluster: 2 nodes x 1 CPU up in {time.perf_counter() - t:.1f} s")
        address = args.address or cluster.address
        ray_s, ray_r, ticks, report, wall = run_on_ray(address, store, index, rows, args.ship)
        first_t, first_n = ticks[0]
        last_t, last_n = ticks[-1]
        steady = (last_n - first_n) / (last_t - first_t) if last_t > first_t else float("nan")
        print(
            f"ray: {args.n:,} rows in {wall:.1f} s end to end ({args.n / wall:,.0f} rows/s; "
            f"{report.mode} store, {report.workers} workers x {report.threads} CPU on "
            f"{report.nodes} nodes, {report.blocks} blocks), first block after "
            f"{first_t:.1f} s, then {steady:,.0f} rows/s ({load()})"
        )
        same = float((ray_r == local_r).all(axis=1).mean())
        print(
            f"graph: {same:.4%} of rows identical to the local graph, "
            f"largest similarity difference {float(np.abs(ray_s - local_s).max()):.2g}"
        )
    finally:
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(work, ignore_errors=True)


def run_on_ray(address: str, store, index, rows: np.ndarray, ship: bool):
    import ray

    from labeldesk.ml.ray_cluster import connect
    from labeldesk.ml.ray_graph import ClusterGraphReport, run_graph, store_job

    ticks: list[tuple[float, int]] = []
    started = time.perf_counter()

    def progress(p) -> None:
        if p.done > 0:
            ticks.append((time.perf_counter() - started, p.done))

    connect(ray, address)
    try:
        job = store_job(ray, index, store, rows, K, share=not ship)
        report = ClusterGraphReport(address)
        sims, found = run_graph(ray, job, len(rows), report, progress=progress)
        wall = time.perf_counter() - started
    finally:
        ray.shutdown()
    return sims, found, ticks, report, wall


if __name__ == "__main__":
    main()
