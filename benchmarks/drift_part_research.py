"""Drift research: can the report find a changed *part* of a folder (a fifth of the images
darker or lower in contrast) more often without more false alarms? Not the product: it
computes, on the same runs, the p-values of the report's three tests and of candidate
tail tests, then scores rules (a verdict = any test of the rule below ``alpha / len(rule)``,
Bonferroni, as the report does) by their worst case over the sets.

Candidate tests (all exact or conservative under no shift):

- ``out99``, ``out90``: the report's outlier-share test (Fisher's exact test on new vs
  reference rows beyond the reference's quantile of the combined novelty) at the 99th and
  90th percentile instead of the 95th;
- ``knn95``, ``knn99``: the same on the kNN distance alone (reference distances leave one
  out), and ``knnmw``: a one-sided Mann-Whitney test of the kNN distances;
- ``tail95``, ``tail90``: the classifier two-sample test's permutations with another
  statistic: the share of new rows whose out-of-fold score is beyond the reference rows'
  95th (90th) percentile (the tail, where a changed part sits, instead of the AUC, which
  averages over every new image); the same within-fold relabelings, so exact.

Runs (``--cache`` as bench_drift.py; ``--work``: folders of changed images written and
embedded by bench_drift_shifts.py, reused):

- ``part``: bench_drift_shifts.py's "a fifth changed" runs (folders of 100, 20 changed);
- ``whole``: its whole-folder runs for the mild changes (a rule must not lose them);
- ``null``: bench_drift.py's same-distribution folders (share 0) at ``--null-sizes``;
- ``newclass``: bench_drift.py's folders with a new class at 10 % and 20 % (200 images).

    python benchmarks/drift_part_research.py --sets fmnist,digits,patches --out /tmp/p.json
    python benchmarks/drift_part_research.py --score /tmp/p.json      # the rules' table
    python benchmarks/drift_part_research.py --sets fmnist10k,mnist5k --null-only ...
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # a shared 2-core machine: one BLAS thread

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

import embedded_sets  # noqa: E402
from bench_drift import NEW_CLASSES, Source  # noqa: E402
from bench_drift_shifts import PART, SHIFTS, write_and_embed  # noqa: E402

from labeldesk.ml import drift_tests as tests  # noqa: E402
from labeldesk.ml.drift_verdict import ALPHA, KNN_K, MAX_REFERENCE_KNN  # noqa: E402

PERMUTATIONS = 200  # as both benchmarks
RESIDUAL_K = 10
PART_SHIFTS = (
    "resaved", "darker x0.4", "contrast x0.4", "blur 2%", "brighter x1.3", "darker x0.7",
    "contrast x0.7", "blur 5%", "jpeg q8",
)  # fmt: skip
WHOLE_SHIFTS = ("resaved", "darker x0.7", "brighter x1.3", "contrast x0.7", "mirror lr")
RULES: dict[str, tuple[str, ...]] = {
    "report (c2, mmd, out95)": ("c2", "mmd", "out95"),
    "c2, mmd, out99": ("c2", "mmd", "out99"),
    "c2, mmd, out95, out99": ("c2", "mmd", "out95", "out99"),
    "c2, mmd, out90, out95, out99": ("c2", "mmd", "out90", "out95", "out99"),
    "c2, mmd, knn95": ("c2", "mmd", "knn95"),
    "c2, mmd, out95, knn99": ("c2", "mmd", "out95", "knn99"),
    "c2, mmd, out95, knnmw": ("c2", "mmd", "out95", "knnmw"),
    "c2, mmd, tail95": ("c2", "mmd", "tail95"),
    "c2, mmd, out95, tail95": ("c2", "mmd", "out95", "tail95"),
    "c2, mmd, out95, tail90": ("c2", "mmd", "out95", "tail90"),
    "c2, mmd, out95, tail90, tail95": ("c2", "mmd", "out95", "tail90", "tail95"),
    "c2, mmd, out95, rc2": ("c2", "mmd", "out95", "rc2"),
    "c2, mmd, out95, rc2, rmmd": ("c2", "mmd", "out95", "rc2", "rmmd"),
    "c2, mmd, out95, rmmd": ("c2", "mmd", "out95", "rmmd"),
}


def c2st_tails(
    ref: np.ndarray, new: np.ndarray, quantiles: tuple[float, ...], seed: int
) -> tuple[float, np.ndarray, np.ndarray, dict[str, float]]:
    """:func:`labeldesk.ml.drift_tests.c2st`'s AUC p-value and out-of-fold percentiles
    (the same seeds: identical), plus a p-value per quantile of the tail statistic."""
    permutations = PERMUTATIONS
    folds, k = tests.C2ST_FOLDS, tests.C2ST_NEIGHBOURS
    scored = tests.fold_scores(ref, new, folds, permutations, k, seed)
    scores, labels = scored.scores, scored.labels
    aucs = tests.auc_of(scores, labels)
    auc_p = float((1 + np.sum(aucs[1:] >= aucs[0])) / (permutations + 1))
    # each column holds len(ref) reference rows: gather them column by column
    ref_scores = scores.T[~labels.T].reshape(permutations + 1, len(ref))
    new_scores = scores.T[labels.T].reshape(permutations + 1, len(new))
    tails = {}
    for q in quantiles:
        cut = np.quantile(ref_scores, q, axis=1)
        stat = (new_scores > cut[:, None]).mean(axis=1)
        tails[f"tail{round(q * 100)}"] = float(
            (1 + np.sum(stat[1:] >= stat[0])) / (permutations + 1)
        )
    is_new, percentile = scored.is_new, scored.percentiles()
    return auc_p, percentile[is_new], percentile[~is_new], tails


def pvalues(reference: np.ndarray, new: np.ndarray, seed: int) -> dict[str, float]:
    """Every test's p-value on one run, with compare_vectors' seeds and subsets."""
    from scipy.stats import mannwhitneyu

    rng = np.random.default_rng(seed)
    reference = np.asarray(reference)[rng.permutation(len(reference))]
    queries = np.arange(min(MAX_REFERENCE_KNN, len(reference)))
    knn_new = tests.knn_distances(reference, new, KNN_K)
    knn_ref = tests.knn_distances(reference, reference[queries], KNN_K, own_rows=queries)
    assert len(reference) <= 10_000  # shift_tests' subset of the reference is not needed
    ref_x, new_x = tests.reduce_pair(reference, new, seed=seed)
    c2_p, c2_new, c2_ref, tails = c2st_tails(ref_x, new_x, (0.9, 0.95), seed)
    mmd = tests.mmd_test(ref_x, new_x, permutations=PERMUTATIONS, seed=seed)
    knn_new_pct, knn_ref_pct = tests.knn_percentiles(knn_new, knn_ref)
    k = len(knn_ref)
    novelty_new = (c2_new + knn_new_pct) / 2
    novelty_ref = (c2_ref[:k] + knn_ref_pct) / 2
    out = {"c2": c2_p, "mmd": mmd.p_value, **tails}
    for q in (0.9, 0.95, 0.99):
        out[f"out{round(q * 100)}"] = tests.outlier_share_test(novelty_new, novelty_ref, q)[1]
    for q in (0.95, 0.99):
        out[f"knn{round(q * 100)}"] = tests.outlier_share_test(knn_new, knn_ref, q)[1]
    out["knnmw"] = float(mannwhitneyu(knn_new, knn_ref, alternative="greater").pvalue)
    ref_r, new_r = local_residuals(reference, new)
    ref_x, new_x = tests.reduce_pair(ref_r, new_r, seed=seed)
    out["rc2"] = tests.c2st(ref_x, new_x, permutations=PERMUTATIONS, seed=seed).p_value
    out["rmmd"] = tests.mmd_test(ref_x, new_x, permutations=PERMUTATIONS, seed=seed).p_value
    return out


def local_residuals(reference: np.ndarray, new: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows minus the mean of their RESIDUAL_K nearest *anchor* rows: what sets an image
    apart from its look-alikes, with the classes' spread taken away (a fifth of the images
    darker moves those images' residuals only). The anchors are the first half of the
    (shuffled) reference and are used for nothing else: the other half's residuals and the
    new rows' are then the same function of independent draws, exchangeable when nothing
    changed (residuals of reference rows against each other are not: two rows that are each
    other's neighbours get opposite residuals, which MMD and the classifier pick up)."""
    from labeldesk.ml.search import import_faiss

    faiss = import_faiss()
    half = len(reference) // 2
    anchors = np.ascontiguousarray(reference[:half], dtype=np.float32)
    index = faiss.IndexFlatIP(anchors.shape[1])
    index.add(anchors)
    out = []
    for rows in (reference[half:], new):
        rows = np.ascontiguousarray(rows, dtype=np.float32)
        near = index.search(rows, RESIDUAL_K)[1]
        out.append(rows - anchors[near].mean(axis=1))
    return out[0], out[1]


def shift_runs(name: str, args: argparse.Namespace, runs: list[dict]) -> None:
    """bench_drift_shifts.py's runs (its pool, reference, seeds), part and whole."""
    data = embedded_sets.load(name, args.cache)
    work = args.work / name
    project_dir = work / f"{name}.labeldesk"
    rng = np.random.default_rng(7)
    pool = rng.choice(len(data.vectors), min(300, len(data.vectors) // 3), replace=False)
    rest = np.setdiff1d(np.arange(len(data.vectors)), pool)
    reference, clean = data.vectors[rest], data.vectors[pool]
    rels = [data.paths[i] for i in pool]
    sources = [args.cache / f"{name}-images" / rel for rel in rels]
    for shift in dict.fromkeys(("clean", *PART_SHIFTS, *WHOLE_SHIFTS)):
        if shift == "clean":
            changed = clean
        else:
            change, suffix = SHIFTS[shift]
            folder = work / shift.replace(" ", "_").replace("/", "-").replace("%", "pc")
            changed = write_and_embed(project_dir, folder, sources, rels, change, suffix)
        for r in range(args.repeats):
            rng = np.random.default_rng(1000 + r)
            ref_rows = rng.choice(len(reference), int(0.9 * len(reference)), replace=False)
            size = min(100, len(changed))
            rows = rng.choice(len(changed), size, replace=False)
            if shift in WHOLE_SHIFTS or shift == "clean":
                p = pvalues(reference[ref_rows], changed[rows], r)
                runs.append({"set": name, "kind": "whole", "cell": shift, "p": p})
            if shift == "clean" or shift not in PART_SHIFTS:
                continue
            k = round(PART * size)
            order = rng.permutation(len(changed))
            mixed = np.concatenate([changed[order[:k]], clean[order[k:size]]])
            p = pvalues(reference[ref_rows], mixed, r)
            runs.append({"set": name, "kind": "part", "cell": shift, "p": p})
        print(f"  {name} {shift}: {time.perf_counter() - args.started:.0f} s", flush=True)


def class_runs(name: str, args: argparse.Namespace, runs: list[dict], null_only: bool) -> None:
    """bench_drift.py's folders: same distribution at each size, a new class at 200."""
    data = embedded_sets.load(name, args.cache)
    n_new = NEW_CLASSES.get(name, 2)
    sources = [Source(data.vectors, data.truth, n_new, s) for s in range(args.null_repeats)]
    cells = [(size, 0.0) for size in args.null_sizes]
    if not null_only:
        cells += [(200, 0.1), (200, 0.2)]
    for size, share in cells:
        for seed, source in enumerate(sources):
            made = source.folder(size, share)
            if made is None:
                break
            p = pvalues(source.reference, made[0], seed)
            kind = "null" if share == 0 else "newclass"
            runs.append({"set": name, "kind": kind, "cell": f"{size} @{share:g}", "p": p})
        print(f"  {name} {size} @{share:g}: {time.perf_counter() - args.started:.0f} s", flush=True)


def score(runs: list[dict]) -> None:
    """Per rule: false alarms (null and the unchanged controls), worst part-cell hit rate
    over the sets for the moderate changes, and the other cells."""
    sets = sorted({r["set"] for r in runs})
    cells = sorted({(r["kind"], r["cell"]) for r in runs})

    def hits(rule: tuple[str, ...], kind: str, cell: str, name: str) -> tuple[int, int]:
        chosen = [r for r in runs if (r["set"], r["kind"], r["cell"]) == (name, kind, cell)]
        found = sum(min(r["p"][t] for t in rule) < ALPHA / len(rule) for r in chosen)
        return found, len(chosen)

    for label, rule in RULES.items():
        print(f"\n{label}  (each test at {ALPHA / len(rule):.4f})")
        nulls = [r for r in runs if r["kind"] == "null"]
        for name in sets:
            mine = [r for r in nulls if r["set"] == name]
            if mine:
                alarms = sum(min(r["p"][t] for t in rule) < ALPHA / len(rule) for r in mine)
                print(f"  null {name}: {alarms}/{len(mine)} ({alarms / len(mine):.1%})")
        if nulls:
            alarms = sum(min(r["p"][t] for t in rule) < ALPHA / len(rule) for r in nulls)
            print(f"  null all: {alarms}/{len(nulls)} ({alarms / len(nulls):.1%})")
        for kind, cell in cells:
            if kind == "null":
                continue
            parts = []
            for name in sets:
                found, n = hits(rule, kind, cell, name)
                parts.append(f"{name} {found}/{n}" if n else f"{name} -")
            print(f"  {kind:<8} {cell:<14} " + ", ".join(parts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/fc/cache"))
    parser.add_argument("--work", type=Path, default=Path("/tmp/ld-drift-shifts"))
    parser.add_argument("--sets", default="fmnist,digits,patches")
    parser.add_argument("--repeats", type=int, default=8)
    parser.add_argument("--null-repeats", type=int, default=20)
    parser.add_argument("--null-sizes", default="50,100,200,500,1000")
    parser.add_argument("--null-only", action="store_true", help="no shift or new-class runs")
    parser.add_argument("--out", type=Path, help="write every run's p-values (JSON)")
    parser.add_argument("--score", type=Path, action="append", help="score saved runs")
    args = parser.parse_args()
    if args.score:
        score([run for path in args.score for run in json.loads(path.read_text())])
        return
    args.null_sizes = [int(s) for s in args.null_sizes.split(",") if s]
    args.started = time.perf_counter()
    runs: list[dict] = []
    for name in args.sets.split(","):
        if not args.null_only:
            shift_runs(name, args, runs)
        class_runs(name, args, runs, args.null_only)
        if args.out:
            args.out.write_text(json.dumps(runs))
    score(runs)
    print(f"\n(total {time.perf_counter() - args.started:.0f} s)")


if __name__ == "__main__":
    main()
