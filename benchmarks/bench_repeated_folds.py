"""Does averaging the out-of-fold probabilities over several draws of the folds (repeated
cross-fitting) make the flag count track the errors left? (issue 13)

A person reads `labeldesk issues`' flag count as "errors left": fixing k real errors
should lower it by about k. With one draw of the probes' folds it may rise instead (a new
user: 18 fixes, 150 -> 154 flagged), and on a small set the count depends on the draw
(the sample: 22-41 over 16 draws, bench_sample_flags.py). Here the project's predictions
(probe out of fold, kNN vote, one cleaning round, the pixel view; folds that stay put,
probe.stable_folds) are made with each probe's out-of-fold probabilities averaged over
``--repeats`` independent draws of the fold keys (inside the pipeline: the cleaning round
picks its suspects from the averaged probabilities, and the pixel probe is averaged
too), against one draw (the shipped default), in the same run on the same labels.

Sets (bench_label_suite's, cached under --cache): Fashion-MNIST 3,000, a 500-image
subset of it, digits, the bundled sample; 5 % look-alike and 10 % uniform flips; seeds.
Per run and method:

- the flag count (``clear_ambiguity``) for ``--draws`` draws of the folds: F/E (flagged
  ÷ true errors), its spread (max - min over the draws), AUROC and precision at the
  number of errors (P@E) of the first draw;
- ``k`` true errors fixed (k = 5, 10, 20, nested, a random order of the errors, first
  draw): the change in the flag count, which should be about -k; printed as the change
  plus k (0 is ideal; > 0: the count fell by less than the fixes, or rose) and the other
  flags that left or joined per fix.

Then the worst cases over the runs and the CPU seconds per prediction (one process).
``--no-cleaning-too`` adds one draw without the cleaning round.

Result (session 41, 2 busy cores, load 9-10; Fashion-MNIST 3,000 seeds 0-3, the others
seeds 0-1; 1 draw vs 3 draws, worst over the runs): the change after fixing k errors,
plus k (0 ideal), k = 5/10/20: 17/22/32 vs 21/31/24 (means over the 20 runs 0.7/4.8/8.2
vs 3.3/5.8/9.6); flagged ÷ errors 0.96-1.79 vs 0.98-1.78, but Fashion-MNIST-500 1.24-1.36
vs 1.26-1.72 and the sample 1.25-1.40 vs 1.10-1.60; the count's spread over 3 fold draws
41 vs 25 on Fashion-MNIST 3,000 (mean 22.0 vs 15.4), 7 vs 12 on the sample; AUROC / P@E
worst 0.850 / 0.150 vs 0.861 / 0.250 (the sample), Fashion-MNIST 0.968 / 0.680 vs 0.968
/ 0.693. 5 draws (Fashion-MNIST-500 and the sample): F/E 1.24-1.40 vs 0.95-1.60, spread
7 vs 10, fix-20 worst 26 vs 23. CPU per prediction 0.43-0.46 s per 1,000 rows for one
draw, 0.93-0.98 s for 3, 1.30 s for 5. Not shipped: no worst case of the count improves
(the fix test is mixed, F/E gets worse on the small sets); only Fashion-MNIST 3,000's
spread falls. What stays: fixing all 20 planted errors of a 400-label sample lowers the
count by 2-6 of 20 either way (the count is mostly hard correct labels there), and
Fashion-MNIST at 5 % look-alike flags 1.6-1.8x its errors. Without the cleaning round
(``--no-cleaning-too``; Fashion-MNIST seeds 0-3, the others 0-1; the sample is not cleaned
anyway): Fashion-MNIST F/E 1.05-1.37 against 1.16-1.79, but the fix test's worst 11/6/27
against 17/22/32 and the spread 47 against 41 (AUROC / P@E 0.964 / 0.660 against 0.968 /
0.680); Fashion-MNIST-500 and digits F/E 0.90-1.32 against 0.96-1.36, fix test worst
7/6/18 against 7/10/26: the cleaning round adds to the over-count on Fashion-MNIST, but
leaving it out does not make the count follow the fixes either.

Held out (checked last, 1 seed, ``--sets mnist5k --seeds 1``): 1 vs 3 draws F/E
0.90-1.02 both, spread 7 vs 9, fix-k worst 0/11/-7 vs 9/0/2, AUROC / P@E 0.999 / 0.936
vs 0.999 / 0.940.

    python benchmarks/bench_repeated_folds.py --seeds 2 --repeats 3
    python benchmarks/bench_repeated_folds.py --sets fmnist --first-seed 2 --no-cleaning-too
    python benchmarks/bench_repeated_folds.py --seeds 2 --repeats 0 --no-cleaning-too
    python benchmarks/bench_repeated_folds.py --sets fmnist-500,sample --seeds 2 --repeats 5
    python benchmarks/bench_repeated_folds.py --sets mnist5k --seeds 1   # held out, last
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_label_suite as suite  # noqa: E402
from bench_flag_count import plant_noise  # noqa: E402
from embedded_sets import EmbeddedSet  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

from labeldesk.ml import out_of_sample  # noqa: E402
from labeldesk.ml.predictions import KNN_K, out_of_sample_probs  # noqa: E402
from labeldesk.ml.probe import ProbeOutput  # noqa: E402
from labeldesk.ml.search import knn_graph  # noqa: E402
from labeldesk.quality import find_label_issues, label_quality_scores  # noqa: E402

FIXES = (5, 10, 20)
PLAN = (("pairs", 0.05), ("uniform", 0.10))
CPU = {"n": 0, "s": 0.0}


@contextmanager
def averaged_probe(extra: list[np.ndarray]) -> Iterator[None]:
    """Every probe fit of the pipeline averaged over its own fold keys and ``extra``
    key arrays (each a number per row, other draws); a row is out of fold when it is in
    every draw."""
    shipped = out_of_sample.probe_probabilities

    def probe(*args: Any, fold_keys: np.ndarray | None = None, **kwargs: Any) -> ProbeOutput:
        outs = [shipped(*args, fold_keys=k, **kwargs) for k in (fold_keys, *extra)]
        oof = np.logical_and.reduce([o.out_of_fold for o in outs])
        return ProbeOutput(np.mean([o.probs for o in outs], axis=0), oof)

    out_of_sample.probe_probabilities = probe  # type: ignore[assignment]
    try:
        yield
    finally:
        out_of_sample.probe_probabilities = shipped


class Scorer:
    """The project's predictions on one set, folds drawn per (seed, draw)."""

    def __init__(self, s: EmbeddedSet) -> None:
        self.s = s
        self.sims, self.rows = knn_graph(s.vectors, KNN_K)
        self.pixels = suite.VIEWS[(s.name.split(":")[0], suite.PIXELS)][suite.set_rows(s)]
        self.whole = suite.set_rows(s)
        self.train = np.array(s.splits) == "train"

    def keys(self, seed: int, draw: int, r: int) -> np.ndarray:
        n = int(self.whole.max()) + 1
        return np.random.default_rng([seed, draw, r]).random(n)[self.whole]

    def probs(
        self, labels: np.ndarray, seed: int, draw: int, repeats: int, clean: int = 1
    ) -> np.ndarray:
        extra = [self.keys(seed, draw, r) for r in range(1, repeats)]
        started = time.process_time()
        with averaged_probe(extra):
            out, _ = out_of_sample_probs(
                self.s.vectors, labels, (labels >= 0) & self.train, len(self.s.classes),
                self.sims, self.rows, seed=seed, clean_rounds=clean, pixels=self.pixels,
                fold_keys=self.keys(seed, draw, 0),
            )  # fmt: skip
        CPU["n"] += 1
        CPU["s"] += time.process_time() - started
        return out


def flags(labels: np.ndarray, probs: np.ndarray) -> np.ndarray:
    rows = np.flatnonzero(labels >= 0)
    out = np.zeros(len(labels), dtype=bool)
    out[rows[find_label_issues(labels[rows], probs[rows], count_method=suite.COUNT)]] = True
    return out


def one_run(
    scorer: Scorer,
    labels: np.ndarray,
    truth: np.ndarray,
    seed: int,
    method: tuple[int, int],
    draws: int,
) -> dict[str, float]:
    repeats, clean = method
    rows = np.flatnonzero(labels >= 0)
    errors = labels != truth
    e = int(errors[rows].sum())
    counts, m = [], {}
    for d in range(draws):
        p = scorer.probs(labels, seed, d, repeats, clean)
        f = flags(labels, p)
        counts.append(int(f.sum()))
        if d == 0:
            first, scores = f, label_quality_scores(labels[rows], p[rows])
            lowest = np.argsort(scores, kind="stable")[:e]
            m["AUROC"] = float(roc_auc_score(errors[rows], -scores))
            m["P@E"] = float(errors[rows][lowest].mean())
    m |= {"E": e, "F": counts[0], "F/E": counts[0] / e, "spread": max(counts) - min(counts)}
    order = np.random.default_rng([seed, 77]).permutation(np.flatnonzero(errors & (labels >= 0)))
    for k in FIXES:
        fixed = labels.copy()
        fixed[order[:k]] = truth[order[:k]]
        after = flags(fixed, scorer.probs(fixed, seed, 0, repeats, clean))
        m[f"d{k}+k"] = int(after.sum()) - counts[0] + k
        others = np.ones(len(labels), dtype=bool)
        others[order[:k]] = False
        m[f"churn{k}"] = float((first ^ after)[others].sum()) / k
    return m


def runs(name: str, base: EmbeddedSet, seed: int) -> list[tuple[str, EmbeddedSet, np.ndarray]]:
    rng = np.random.default_rng(5000 + seed)
    if name.endswith(f"-{suite.SUBSET}"):
        pick = np.sort(rng.choice(len(base.truth), suite.SUBSET, replace=False))
        base = suite.subset(base, pick, "sub")
    return [(f"{p} {r:.0%}", base, plant_noise(base, p, r, rng)) for p, r in PLAN]


COLS = ("E", "F", "F/E", "spread", "AUROC", "P@E", *(f"d{k}+k" for k in FIXES), "churn10")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cache", type=Path, default=Path("/tmp/fc/cache"))
    parser.add_argument("--sets", default="fmnist,fmnist-500,digits,sample")
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--draws", type=int, default=3, help="fold draws for the spread")
    parser.add_argument(
        "--no-cleaning-too", action="store_true",
        help="also one draw without the cleaning round (where the count's moves come from)",
    )  # fmt: skip
    args = parser.parse_args()
    suite._track_subsets()  # subsets keep their rows' pixel views
    methods = {"1 draw": (1, 1)}
    if args.repeats > 1:  # 0: one draw only (with --no-cleaning-too)
        methods[f"{args.repeats} draws"] = (args.repeats, 1)
    if args.no_cleaning_too:
        methods["no clean"] = (1, 0)
    results: dict[str, list[tuple[str, dict[str, float]]]] = {m: [] for m in methods}
    cpu: dict[str, list[float]] = {m: [] for m in methods}
    print(f"{'set':<11}{'noise':<12}{'seed':>4} {'method':<9}" + "".join(f"{c:>8}" for c in COLS))
    for name in args.sets.split(","):
        base = suite.load(name, args.cache)
        suite.pixel_views(name.removesuffix(f"-{suite.SUBSET}"), args.cache)
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            for noise, s, labels in runs(name, base, seed):
                scorer = Scorer(s)
                for method, how in methods.items():
                    CPU["n"], CPU["s"] = 0, 0.0
                    m = one_run(scorer, labels, s.truth, seed, how, args.draws)
                    cpu[method].append(CPU["s"] / max(CPU["n"], 1) / max(len(labels), 1))
                    results[method].append((f"{name} {noise}", m))
                    cells = "".join(
                        f"{m[c]:>8.3f}" if isinstance(m[c], float) else f"{m[c]:>8}" for c in COLS
                    )
                    print(f"{name:<11}{noise:<12}{seed:>4} {method:<9}{cells}", flush=True)
    print("\nWorst over the runs (and mean), per method:")
    for method, rows in results.items():
        ms = [m for _, m in rows]

        def worst(col: str, fn: Any, ms: list[dict[str, float]] = ms) -> str:
            vals = [m[col] for m in ms]
            return f"{col} {fn(vals):.3f} (mean {np.mean(vals):.3f})"

        fe = [m["F/E"] for m in ms]
        print(
            f"  {method:<9} {worst('AUROC', min)}, {worst('P@E', min)}, F/E {min(fe):.2f}-"
            f"{max(fe):.2f} (worst |log| {max(abs(np.log(x)) for x in fe):.2f}), "
            f"{worst('spread', max)}, "
            + ", ".join(
                f"d{k}+k max {max(m[f'd{k}+k'] for m in ms)} "
                f"(mean {np.mean([m[f'd{k}+k'] for m in ms]):.1f})"
                for k in FIXES
            )
            + f", churn10 mean {np.mean([m['churn10'] for m in ms]):.2f}"
        )
    for method, per_row in cpu.items():
        print(f"  CPU per prediction, {method}: {np.mean(per_row) * 1e6:.0f} ms per 1,000 rows")


if __name__ == "__main__":
    main()
