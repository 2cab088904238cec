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
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from own_peak import run_measured

HERE = Path(__file__).resolve()
K = 10
TRUST_MAX = 5000  # trustworthiness holds an n x n distance matrix: not above this


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
    """The child's step times (wall), then the whole process's wall and CPU seconds and
    its own peak memory (started from own_peak.py's launcher)."""
    env = dict(os.environ, PYTHONPATH=str(checkout), NUMBA_CACHE_DIR=str(numba_dir))
    command = [sys.executable, str(HERE), "--child", str(vectors), str(out), str(seed)]
    done = run_measured(command, env=env, timeout_s=3600)
    if done["returncode"] != 0:
        raise SystemExit(f"the fit failed: {done['stderr'][-2000:]}")
    times = json.loads(done["stdout"].strip().splitlines()[-1])
    times["process, all"] = done["wall_s"]
    times["process, CPU s"] = done["cpu_s"]
    times["process, peak MB"] = done["peak_mb"]
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
    parser.add_argument(
        "--synthetic",
        type=int,
        help="N images of synthetic_vectors.py's clustered 1280-d vectors instead of --set: "
        "the map fits a seeded sample of at most 50,000 of them, as the app does",
    )
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]))
        return
    from sklearn.manifold import trustworthiness

    truth: np.ndarray | None = None
    if args.synthetic:
        from synthetic_vectors import clustered_memmap

        from labeldesk.ml.projection import MAP_FIT_MAX

        n = args.synthetic
        rows = np.sort(np.random.default_rng(0).choice(n, min(n, MAP_FIT_MAX), replace=False))
        x = np.asarray(clustered_memmap(n)[rows], np.float32)
        print(f"{len(x)} of {n} synthetic clustered vectors (dim {x.shape[1]}); ", end="")
    else:
        import embedded_sets

        data = embedded_sets.load(args.set, args.cache)
        rows = np.random.default_rng(0).permutation(np.flatnonzero(data.labeled))[: args.n]
        x, truth = data.vectors[rows].astype(np.float32), data.truth[rows]
        print(
            f"{len(x)} images of {args.set!r} ({len(data.classes)} classes, dim {x.shape[1]}); ",
            end="",
        )
    here = HERE.parents[1]
    runs = [("before", args.before)] if args.before else []
    runs.append(("after", here))
    print(f"cpus {os.cpu_count()}, load {os.getloadavg()[0]:.1f}")
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
                        unit = "MB" if step.endswith("MB") else "s"
                        print(f"    {step:48s} {s:6.1f} {unit}")
                layouts[name] = np.load(Path(tmp) / f"{name}-cold.npy")
                again = np.load(Path(tmp) / f"{name}-again.npy")
                print(f"    the same map both times: {np.array_equal(layouts[name], again)}")
        numba_dir = Path(tmp) / f"numba-after-{args.rounds - 1}"
        fit(here, vectors, Path(tmp) / "seed.npy", numba_dir, 43)
        layouts["after, seed 43"] = np.load(Path(tmp) / "seed.npy")
    if truth is not None and len(x) <= TRUST_MAX:
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
