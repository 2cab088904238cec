"""The cold start's TypiClust at 100k-1M vectors: clustering every row against a seeded
sample of typiclust.MAX_POINTS (labeldesk/ml/strategies/typiclust.py).

The vectors are synthetic_vectors.py's clustered float16 rows (made once under the temp
folder), read as the queue reads the store: a row's bytes when it is indexed
(:class:`FileRows`, as labeldesk.ml.store_rows.StoreRows reads the store's file), so
the process holds only what the strategy keeps. Each case runs in a fresh process: CPU
seconds, peak memory (wait4: exact; the process is started by own_peak.py's small
launcher, not by this script, so the peak is its own and not this script's high-water
mark, which Linux keeps across exec) and the rows read. ``whole`` is every row clustered,
as before session 42 (typiclust_all); ``sampled`` is the strategy as shipped.

    python benchmarks/bench_cold_start.py --sizes 100000,1000000 --n 10
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from own_peak import run_measured
from synthetic_vectors import DIM, clustered_memmap


class FileRows:
    """Rows of a float16 (n, dim) file, read when indexed (ascending reads); counts them."""

    ndim = 2
    dtype = np.dtype(np.float16)

    def __init__(self, path: Path, n: int, dim: int):
        self.path, self.shape, self.read = path, (n, dim), 0

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, key: object) -> np.ndarray:
        rows = np.arange(self.shape[0])[key]  # type: ignore[index]
        single = np.ndim(rows) == 0
        rows = np.atleast_1d(rows)
        order = np.argsort(rows, kind="stable")
        ordered = rows[order]
        got = np.empty((len(rows), self.shape[1]), dtype=np.float16)
        raw = got.view(np.uint8)
        width = self.shape[1] * 2
        breaks = np.flatnonzero(np.diff(ordered) != 1) + 1  # runs of consecutive rows
        starts, stops = np.r_[0, breaks].tolist(), np.r_[breaks, len(rows)].tolist()
        with open(self.path, "rb", buffering=0) as f:
            for a, b in zip(starts, stops, strict=True):
                f.seek(int(ordered[a]) * width)
                f.readinto(raw[a:b].data.cast("B"))
        self.read += len(rows)
        if (np.diff(rows) >= 0).all():  # in the file's order: no copy (as StoreRows)
            return got[0] if single else got
        out = np.empty_like(got)
        out[order] = got
        return out[0] if single else out


def child(n: int, case: str, picks: int) -> dict:
    from labeldesk.ml.strategies import QueryContext
    from labeldesk.ml.strategies.typiclust import typiclust, typiclust_all

    path = clustered_memmap(n).filename
    x = FileRows(Path(str(path)), n, DIM)
    labels = np.full(n, -1, np.int64)
    ctx = QueryContext(x, labels >= 0, labels < 0, labels, n_classes=10, seed=0)  # type: ignore[arg-type]
    start = time.process_time()
    result = (typiclust_all if case == "whole" else typiclust)(ctx, picks)
    return {"cpu_s": time.process_time() - start, "rows_read": x.read,
            "picks": [int(i) for i in result.indices]}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--n", type=int, default=10, help="images asked for")
    parser.add_argument("--cases", default="whole,sampled")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--make", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make:
        clustered_memmap(args.make)
        return
    if args.child:
        n, case, picks = args.child
        print(json.dumps(child(int(n), case, int(picks))))
        return
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"cpus: {os.cpu_count()} (load average {load})")
    print(f"{'vectors':>10}  {'case':<8} {'CPU':>8} {'peak':>9} {'rows read':>11}")
    for n in (int(s) for s in args.sizes.split(",")):
        # made once, in a process of its own, so this script stays small
        subprocess.run([sys.executable, __file__, "--make", str(n)], check=True)
        for case in args.cases.split(","):
            cmd = [sys.executable, __file__, "--child", str(n), case, str(args.n)]
            r = run_measured(cmd)
            if r["returncode"] != 0:
                print(f"{n:>10,}  {case:<8} failed")
                continue
            got = json.loads(r["stdout"].strip().splitlines()[-1])
            print(f"{n:>10,}  {case:<8} {got['cpu_s']:>6.1f} s {r['peak_mb']:>6.0f} MB "
                  f"{got['rows_read']:>11,}")  # fmt: skip


if __name__ == "__main__":
    main()
