"""Drift report benchmark: false alarms and detection power against the size of the new
folder and the strength of the shift, on real embeddings; then seconds for 10k new images.

Sets are the cached embeddings of benchmarks/embedded_sets.py (the project's default
backbone; ``--cache``, default /tmp/fc/cache): ``fmnist`` (Fashion-MNIST, 300 per class),
``digits`` (scikit-learn's 1,797) and ``patches`` (crops of 14 photos, 40 each). Per set
and repeat, the classes are shuffled and the first two (three of patches' 14:
NEW_CLASSES) are the *new* classes, never in the reference. The other classes' images are
split in two halves at random: one half is the reference (the project's labeled images),
the other the pool of same-distribution new images. A new folder of N images takes ``share`` of them
from the new classes and the rest from the pool:

- ``share = 0``: same distribution; a "shift" verdict is a false alarm;
- ``share > 0``: a new class mixed in at that share; "shift" is a detection.

Each cell runs :func:`labeldesk.ml.drift.compare_vectors` (both tests, the verdict, the
novelty ranking) ``--repeats`` times; reported: the share of "shift" verdicts, the mean
AUC, and the precision of the novelty ranking in its top ``share * N`` (share > 0). Sizes
the set cannot fill without repeating an image are skipped; the 2,000 and 5,000 rows
come from the set ``synthetic`` (class clusters fitted to fmnist: each class's mean plus noise
with its per-dimension spread, as many images as needed).

Then the seconds the statistics take for 10,000 new against 10,000 reference vectors
(1,280-d synthetic unit vectors; embedding time excluded: see bench_embed.py).

    python benchmarks/bench_drift.py --sets fmnist,digits,patches  # ~12 min on 2 busy cores
    python benchmarks/bench_drift.py --sets synthetic --sizes 2000,5000 --repeats 10 \
        --shares 0,0.02,0.05,0.1 --no-timing                      # ~15 min
    python benchmarks/bench_drift.py --sets fmnist --repeats 10 --sizes 50,200,1000
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # a shared 2-core machine: one BLAS thread

import argparse  # noqa: E402  (after the thread caps, which NumPy reads on import)
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

import embedded_sets  # noqa: E402

from labeldesk.ml.drift import compare_vectors  # noqa: E402

SIZES = (50, 100, 200, 500, 1000, 2000, 5000)
SHARES = (0.0, 0.02, 0.05, 0.1, 0.2, 0.5)
NEW_CLASSES = {"fmnist": 2, "digits": 2, "patches": 3}
PERMUTATIONS = 200  # the report uses 500; 200 keeps p-values down to 0.005 for the sweep


def unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=1, keepdims=True)


class Source:
    """Reference, same-distribution pool and new-class pool for one repeat."""

    def __init__(self, vectors: np.ndarray, truth: np.ndarray, n_new: int, seed: int):
        rng = np.random.default_rng(seed)
        classes = rng.permutation(np.unique(truth))
        novel = np.isin(truth, classes[:n_new])
        rows = rng.permutation(np.flatnonzero(~novel))
        half = len(rows) // 2
        self.reference = vectors[rows[:half]]
        self.pool = vectors[rows[half:]]
        self.novel = vectors[rng.permutation(np.flatnonzero(novel))]
        self.rng = rng

    def folder(self, size: int, share: float) -> tuple[np.ndarray, int] | None:
        """A new folder of ``size`` vectors, ``share`` of them (first) from new classes."""
        k = round(size * share)
        if k > len(self.novel) or size - k > len(self.pool):
            return None
        same = self.pool[self.rng.choice(len(self.pool), size - k, replace=False)]
        return np.concatenate([self.novel[:k], same]), k


class SyntheticSource(Source):
    """Class clusters fitted to a real set: draws as many images as asked."""

    def __init__(self, vectors: np.ndarray, truth: np.ndarray, n_new: int, seed: int):
        rng = np.random.default_rng(seed)
        self.rng = rng
        classes = rng.permutation(np.unique(truth))
        self.means = np.stack([vectors[truth == c].mean(axis=0) for c in classes])
        self.spread = np.stack([vectors[truth == c].std(axis=0) for c in classes])
        self.n_new = n_new
        self.reference = self.draw(np.arange(n_new, len(classes)), 5000)

    def draw(self, classes: np.ndarray, n: int) -> np.ndarray:
        pick = classes[self.rng.integers(len(classes), size=n)]
        noise = self.rng.normal(size=(n, self.means.shape[1])) * self.spread[pick]
        return unit(self.means[pick] + noise).astype(np.float32)

    def folder(self, size: int, share: float) -> tuple[np.ndarray, int] | None:
        k = round(size * share)
        old = np.arange(self.n_new, len(self.means))
        parts = [self.draw(np.arange(self.n_new), k), self.draw(old, size - k)]
        return np.concatenate(parts), k


def sweep(name: str, make: type[Source], args: argparse.Namespace, sizes: list[int]) -> None:
    data = embedded_sets.load("fmnist" if name == "synthetic" else name, args.cache)
    n_new = NEW_CLASSES.get(name, 2)
    sources = [make(data.vectors, data.truth, n_new, seed) for seed in range(args.repeats)]
    print(f"\n{name}: {len(data.vectors)} images, {n_new} classes held out as new; "
          f"reference {len(sources[0].reference)} vectors; {args.repeats} repeats")  # fmt: skip
    print("share of 'shift' verdicts (mean AUC; novelty precision in the top share*N)")
    print(f"{'size':>6} " + " ".join(f"{f'new {s:.0%}':>22}" for s in args.shares))
    for size in sizes:
        cells = []
        for share in args.shares:
            hits, aucs, precisions = 0, [], []
            runs = 0
            for seed, source in enumerate(sources):
                made = source.folder(size, share)
                if made is None:
                    break
                new, k = made
                found = compare_vectors(source.reference, new, permutations=PERMUTATIONS, seed=seed)
                runs += 1
                hits += found.shift
                if found.auc is not None:
                    aucs.append(found.auc)
                if k:
                    top = np.argsort(-found.new_novelty, kind="stable")[:k]
                    precisions.append(float(np.mean(top < k)))
            if not runs:
                cells.append(f"{'-':>22}")
                continue
            text = f"{hits / runs:.2f} ({np.mean(aucs):.2f}"
            text += f"; {np.mean(precisions):.2f})" if precisions else ")"
            cells.append(f"{text:>22}")
        print(f"{size:>6} " + " ".join(cells), flush=True)


def timing() -> None:
    """Seconds of the statistics (the report's tests, verdict and novelty) for 10k new
    against 10k reference vectors; the report's other parts are timed by their own runs."""
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(10, 1280)) * 0.05
    n = 10_000
    reference = unit(centres[rng.integers(10, size=n)] + rng.normal(size=(n, 1280)) * 0.03)
    new = unit(centres[rng.integers(10, size=n)] + rng.normal(size=(n, 1280)) * 0.03)
    for permutations in (500, 200):
        used = min(permutations, max(200, 5_000_000 // (2 * n)))  # as drift_verdict caps it
        started = time.perf_counter()
        compare_vectors(
            reference.astype(np.float32), new.astype(np.float32), permutations=permutations
        )
        seconds = time.perf_counter() - started
        print(f"10,000 new vs 10,000 reference vectors (1,280-d), {used} permutations: "
              f"{seconds:.1f} s")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/fc/cache"))
    parser.add_argument("--sets", default="fmnist,digits,patches,synthetic")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--shares", default=",".join(map(str, SHARES)))
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--no-timing", action="store_true")
    args = parser.parse_args()
    args.shares = [float(s) for s in args.shares.split(",")]
    sizes = [int(s) for s in args.sizes.split(",")]
    started = time.perf_counter()
    for name in args.sets.split(","):
        if name == "synthetic":
            sweep(name, SyntheticSource, args, [s for s in sizes if s >= 1000])
        else:
            sweep(name, Source, args, sizes)
    if not args.no_timing:
        print()
        timing()
    print(f"\n(total {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
