"""What the model-cache sweep costs when many exported graphs go at once.

Makes a model cache of --n exported graphs (each of its own model, with its mark of use
a month old and one file of PyTorch's check vectors: 3 files a graph), then times one
sweep (labeldesk/ml/model_cache.py), which removes them all; CPU seconds of this process
and wall seconds, best of --repeat.

    python benchmarks/bench_model_cache_sweep.py [--n 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from labeldesk.ml import model_cache


def make_cache(root: Path, n: int) -> None:
    root.mkdir(parents=True)
    month_ago = time.time() - (model_cache.UNUSED_DAYS + 1) * 86400
    for i in range(n):
        graph = root / f"model{i:06d}-0123456789-v1.onnx"
        graph.write_bytes(b"g")
        (root / f"model{i:06d}-0123456789-check1-torch2.6.0.npy").write_bytes(b"v")
        mark = model_cache.graph_mark(graph)
        mark.write_bytes(b"")
        os.utime(mark, (month_ago, month_ago))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="exported graphs")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    best_cpu = best_wall = float("inf")
    for _ in range(args.repeat):
        top = Path(tempfile.mkdtemp(prefix="ld-model-cache-"))
        try:
            make_cache(top / "cache", args.n)
            cpu, wall = time.process_time(), time.perf_counter()
            removed = model_cache.sweep(top / "cache")
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            assert len(removed) == args.n and not any((top / "cache").iterdir())
        finally:
            shutil.rmtree(top)
        best_cpu, best_wall = min(best_cpu, cpu), min(best_wall, wall)
    print(f"{args.n} graphs removed in one sweep: {best_cpu:.3f} s CPU, {best_wall:.3f} s wall")


if __name__ == "__main__":
    main()
