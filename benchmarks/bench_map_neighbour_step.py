"""The map's neighbour step at 20,000-50,000 images, alone: what a computer's first map
and every later one spend finding each image's 15 nearest images, for the code here and
(``--before``) another checkout, and how many of the exact 15 they find.

A project's map fits at most 50,000 images (a bigger project's on a seeded sample of
that many), so ``--sizes 20000,100000`` measures 20,000 and 50,000 vectors. The vectors
are synthetic_vectors.py's clustered 1280-d rows (as float32, as the map's child gets
them). Each checkout's own rule is run in a fresh process started from own_peak.py's
launcher (CPU seconds, its own peak memory): exact search with faiss up to its
``map_neighbours.EXACT_MAX``, above it UMAP's own search (pynndescent, called as
``umap.UMAP.fit`` calls it). "cold" has ``NUMBA_CACHE_DIR`` at an empty folder: numba
finds none of pynndescent's or umap's compiled code, as on a new install; "warm" is a
second process on the same folder. UMAP's layout after this step is the same code either
way and is not run (``bench_map_neighbours.py`` runs whole maps).

    python benchmarks/bench_map_neighbour_step.py --sizes 20000,100000 --before /tmp/base
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from own_peak import run_measured

HERE = Path(__file__).resolve()
K = 15
FIT_MAX = 50_000  # projection.MAP_FIT_MAX
CHECKED = 1000  # rows whose neighbours are compared with the exact ones


def child(vectors: str, out: str) -> None:
    """The neighbour step of this checkout's map on ``vectors`` (.npy); rows to ``out``."""
    x = np.load(vectors)
    start = time.process_time()
    with_umap = time.perf_counter()
    import umap
    from sklearn.utils import check_random_state
    from umap.umap_ import nearest_neighbors

    from labeldesk.ml import map_neighbours

    map_neighbours.cache_umap_compilation()
    loaded = time.process_time()
    if len(x) <= map_neighbours.EXACT_MAX:
        rows, _ = map_neighbours.exact_neighbours(x, K)
    else:  # as umap.UMAP(metric="cosine", n_jobs=1, random_state=42).fit calls it
        rows, _, _ = nearest_neighbors(
            x, K, "cosine", {}, False, check_random_state(42), True,
            use_pynndescent=True, n_jobs=1,
        )  # fmt: skip
    np.save(out, rows)
    print(json.dumps({
        "importing umap (CPU s)": loaded - start,
        "neighbours (CPU s)": time.process_time() - loaded,
        "umap": umap.__version__,
        "wall": time.perf_counter() - with_umap,
    }))  # fmt: skip


def recall(x: np.ndarray, rows: np.ndarray, checked: np.ndarray) -> float:
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    exact = np.argsort(-(unit[checked] @ unit.T), axis=1)[:, :K]
    pairs = zip(exact, rows[checked], strict=True)
    return float(np.mean([len(set(a) & set(b)) / K for a, b in pairs]))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--sizes", default="20000,100000")
    parser.add_argument("--before", type=Path, help="another checkout, measured the same way")
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    from synthetic_vectors import clustered_memmap

    runs = [("before", args.before.resolve())] if args.before else []
    runs.append(("after", HERE.parents[1]))
    print(f"cpus {os.cpu_count()}, load {os.getloadavg()[0]:.1f}")
    print(f"{'images':>8} {'map fits':>8}  {'code':<7}{'numba':<6} {'CPU s':>7} "
          f"{'of it: search':>13} {'peak MB':>8} {'recall@15':>9}")  # fmt: skip
    for n in (int(s) for s in args.sizes.split(",")):
        rows = np.sort(np.random.default_rng(0).choice(n, min(n, FIT_MAX), replace=False))
        x = np.asarray(clustered_memmap(n)[rows], np.float32)
        checked = np.random.default_rng(1).choice(len(x), min(CHECKED, len(x)), replace=False)
        with tempfile.TemporaryDirectory(prefix="labeldesk-bench-map-step-") as tmp:
            vectors = Path(tmp) / "x.npy"
            np.save(vectors, x)
            for name, checkout in runs:
                numba_dir = Path(tmp) / f"numba-{name}"
                numba_dir.mkdir()  # empty: nothing compiled yet, as for a new user
                for when in ("cold", "warm"):
                    out = Path(tmp) / f"{name}-{when}.npy"
                    env = dict(os.environ, PYTHONPATH=str(checkout), NUMBA_CACHE_DIR=str(numba_dir))
                    cmd = [sys.executable, str(HERE), "--child", str(vectors), str(out)]
                    r = run_measured(cmd, env=env, timeout_s=3600)
                    if r["returncode"] != 0:
                        print(
                            f"{n:>8,} {len(x):>8,}  {name:<7}{when:<6} failed: {r['stderr'][-300:]}"
                        )
                        continue
                    got = json.loads(r["stdout"].strip().splitlines()[-1])
                    share = recall(x, np.load(out), checked)
                    print(f"{n:>8,} {len(x):>8,}  {name:<7}{when:<6} {r['cpu_s']:>7.1f} "
                          f"{got['neighbours (CPU s)']:>13.1f} {r['peak_mb']:>8.0f} {share:>9.4f}",
                          flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
