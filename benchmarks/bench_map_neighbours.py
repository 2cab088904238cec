"""A first UMAP map, cold: how long each of its steps takes, and whether the map keeps
the same neighbourhoods, for the code here and (``--before``) another checkout.

The vectors are a labeled embedded set (``embedded_sets.py``; by default ``--n 303`` of
the bundled sample's labeled images, as in the report this answers: "finding each
image's nearest neighbours" took 70-80 s). Each fit is the app's own (``projection.
_umap``, its steps timed as it reports them) in a fresh Python process with
``NUMBA_CACHE_DIR`` at an empty folder, so numba finds none of pynndescent's or umap's
compiled code: a new user's first map. "again" is a second fresh process on the same
folder: every later map on that computer. Each checkout runs on ``PYTHONPATH``.

Then, per layout: trustworthiness (scikit-learn, 10 neighbours, cosine in the embedding
space), how many of each image's 10 nearest points on the map share its true class,
and the share of each image's 10 nearest map points that two layouts have in common
(the code here against ``--before``, and against itself with another seed: how much
the seed alone moves them).

    python benchmarks/bench_map_neighbours.py --before /work/main --rounds 2  # ~7 min
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve()
K = 10


def child(vectors: str, out: str, seed: int) -> None:
    """Fit the app's UMAP map of ``vectors`` (.npy), save it to ``out``, print the
    seconds each step took (from its first report to the next step's) as JSON."""
    start = time.perf_counter()
    from labeldesk.ml import projection

    marks: list[tuple[str, float]] = []

    def step(name: str, done: int, total: int) -> None:
        if not marks or marks[-1][0] != name:
            marks.append((name, time.perf_counter()))

    projection._step = step
    x = np.load(vectors)
    xy = projection._umap(x, seed)
    end = time.perf_counter()
    np.save(out, xy)
    times = {"import labeldesk": marks[0][1] - start if marks else 0.0}
    for (name, t), (_, t_next) in zip(marks, [*marks[1:], ("", end)], strict=True):
        times[name] = t_next - t
    times["fit, all steps"] = end - (marks[0][1] if marks else start)
    print(json.dumps(times))


def fit(checkout: Path, vectors: Path, out: Path, numba_dir: Path, seed: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(checkout), NUMBA_CACHE_DIR=str(numba_dir))
    command = [sys.executable, str(HERE), "--child", str(vectors), str(out), str(seed)]
    wall = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    times = json.loads(done.stdout.strip().splitlines()[-1])
    times["process, all"] = time.perf_counter() - wall
    return dict(times)


def neighbours_2d(xy: np.ndarray) -> np.ndarray:
    from sklearn.neighbors import NearestNeighbors

    return NearestNeighbors(n_neighbors=K + 1).fit(xy).kneighbors(xy)[1][:, 1:]


def overlap(a: np.ndarray, b: np.ndarray) -> float:
    na, nb = neighbours_2d(a), neighbours_2d(b)
    return float(np.mean([len(set(p) & set(q)) / K for p, q in zip(na, nb, strict=True)]))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--before", type=Path, help="another checkout, measured the same way")
    parser.add_argument("--set", default="sample")
    parser.add_argument("--n", type=int, default=303, help="images drawn (labeled ones)")
    parser.add_argument("--rounds", type=int, default=1, help="before/after pairs")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/fc/cache"))
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]))
        return
    sys.path.insert(0, str(HERE.parent))
    import embedded_sets
    from sklearn.manifold import trustworthiness

    data = embedded_sets.load(args.set, args.cache)
    rows = np.random.default_rng(0).permutation(np.flatnonzero(data.labeled))[: args.n]
    x, truth = data.vectors[rows].astype(np.float32), data.truth[rows]
    here = HERE.parents[1]
    runs = [("before", args.before)] if args.before else []
    runs.append(("after", here))
    print(
        f"{len(x)} images of {args.set!r} ({len(data.classes)} classes, dim {x.shape[1]}); "
        f"cpus {os.cpu_count()}, load {os.getloadavg()[0]:.1f}"
    )
    layouts: dict[str, np.ndarray] = {}
    with tempfile.TemporaryDirectory(prefix="labeldesk-bench-map-nn-") as tmp:
        vectors = Path(tmp) / "x.npy"
        np.save(vectors, x)
        for r in range(args.rounds):  # the order swapped each round: the load drifts
            for name, checkout in runs if r % 2 == 0 else runs[::-1]:
                numba_dir = Path(tmp) / f"numba-{name}-{r}"
                numba_dir.mkdir()  # empty: nothing compiled yet, as for a new user
                for when in ("cold", "again"):
                    out = Path(tmp) / f"{name}-{when}.npy"
                    times = fit(checkout, vectors, out, numba_dir, 42)
                    print(f"  round {r + 1}, {name} ({checkout}), {when}:")
                    for step, s in times.items():
                        print(f"    {step:48s} {s:6.1f} s")
                layouts[name] = np.load(Path(tmp) / f"{name}-cold.npy")
                again = np.load(Path(tmp) / f"{name}-again.npy")
                print(f"    the same map both times: {np.array_equal(layouts[name], again)}")
        numba_dir = Path(tmp) / f"numba-after-{args.rounds - 1}"
        fit(here, vectors, Path(tmp) / "seed.npy", numba_dir, 43)
        layouts["after, seed 43"] = np.load(Path(tmp) / "seed.npy")
    print(f"  {'layout':16s} {'trustworthiness':>15s} {'10-NN same class':>16s}")
    for name, xy in layouts.items():
        trust = trustworthiness(x, xy, n_neighbors=K, metric="cosine")
        same = float((truth[neighbours_2d(xy)] == truth[:, None]).mean())
        print(f"  {name:16s} {trust:15.3f} {same:16.3f}")
    if "before" in layouts:
        shared = overlap(layouts["before"], layouts["after"])
        print(f"  10-NN on the map shared, before vs after: {shared:.3f}")
    seeds = overlap(layouts["after"], layouts["after, seed 43"])
    print(f"  10-NN on the map shared, after seed 42 vs seed 43: {seeds:.3f}")


if __name__ == "__main__":
    main()
