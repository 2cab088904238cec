"""How many images `labeldesk issues` flags, against how many labels are really wrong.

Labeled image sets (benchmarks/embedded_sets.py: Fashion-MNIST, scikit-learn digits, the
bundled sample, each embedded once with the project's backbone and cached) get label noise
planted in memory, then the project's predictions (the linear probe out of fold on shuffled
stratified folds, mixed with the kNN vote, as labeldesk/ml/predictions.py does) and its
label-quality scores and flags. Noise patterns: uniform flips to any other class, pair flips
to each class's look-alike (the class with the nearest mean embedding), and an imbalanced
class mix (sizes falling 10:1) with pair flips; rates 0, 2, 5 and 10 % of the labels.
Fashion-MNIST and digits also as random 500-image subsets (a weak model, like the sample's).
The sample also as shipped (its 12 planted errors). Several seeds (noise, subset and folds).

Per run: flagged count F against the true number of errors E (F/E and |F - E|), flag
precision/recall/F1, and the score's AUROC and precision among the E lowest scores, for the
old count (``ambiguity``, the baseline) and the project's count (``clear``) in the same run.
The count was chosen by the worst case of |log((F + a) / (E + a))|, a = max(5, 1 % of n),
over every run of the choice sets; the ``patches`` set (scikit-image photo crops) was kept
out of every choice and is reported last. ``--fixtures`` adds the published CIFAR-10
probabilities (a ResNet-18, not this project's model) for reference.

    python benchmarks/bench_flag_count.py                     # ~10 min on 2 cores, first run
    python benchmarks/bench_flag_count.py --cache DIR --seeds 3 --fixtures
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # BLAS threads fight over 2 shared cores: 40x slower PCA

import argparse  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

import embedded_sets  # noqa: E402
from embedded_sets import EmbeddedSet  # noqa: E402

from labeldesk.ml.confident import (  # noqa: E402
    check_inputs,
    clear_errors,
    count_label_issues,
    estimate_noise_unchecked,
)
from labeldesk.ml.predictions import KNN_K, KNN_WEIGHT, knn_votes  # noqa: E402
from labeldesk.ml.probe import probe_probabilities  # noqa: E402
from labeldesk.ml.search import knn_graph  # noqa: E402
from labeldesk.quality import find_label_issues, label_quality_scores  # noqa: E402

CHOICE_SETS = ("sample", "fmnist", "fmnist-500", "digits", "digits-500")
HELD_OUT = "patches"
FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "label-errors"
RATES = (0.02, 0.05, 0.10)
SUBSET = 500
BASELINE, CHOSEN = "ambiguity (old)", "clear (new)"

Counter = Callable[[np.ndarray, np.ndarray], int]


@dataclass
class Run:
    set: str
    pattern: str
    rate: float
    seed: int
    labels: np.ndarray
    probs: np.ndarray
    errors: np.ndarray


def subset(s: EmbeddedSet, rows: np.ndarray, tag: str) -> EmbeddedSet:
    return EmbeddedSet(
        f"{s.name}:{tag}",
        s.vectors[rows],
        s.truth[rows],
        s.classes,
        s.labeled[rows],
        [s.splits[i] for i in rows],
        [s.paths[i] for i in rows],
    )


def lookalikes(s: EmbeddedSet) -> np.ndarray:
    """Each class's nearest other class by mean embedding (where a tired annotator slips)."""
    rows = s.labeled
    means = np.stack([s.vectors[rows & (s.truth == c)].mean(0) for c in range(len(s.classes))])
    means /= np.linalg.norm(means, axis=1, keepdims=True)
    sims = means @ means.T
    np.fill_diagonal(sims, -2.0)
    return sims.argmax(axis=1)


def plant_noise(s: EmbeddedSet, pattern: str, rate: float, rng: np.random.Generator) -> np.ndarray:
    """Given labels: ``rate`` of the labeled images (train rows only) flipped."""
    if pattern == "neighbours":
        return _neighbour_noise(s, rate, rng)
    given = s.truth.copy()
    candidates = np.flatnonzero(s.labeled & (np.array(s.splits) == "train"))
    near = lookalikes(s)
    k = len(s.classes)
    for i in rng.choice(candidates, round(rate * s.labeled.sum()), replace=False):
        true = int(given[i])
        if pattern == "uniform":
            given[i] = rng.choice([c for c in range(k) if c != true])
        else:
            given[i] = near[true]
    return given


def _neighbour_noise(s: EmbeddedSet, rate: float, rng: np.random.Generator) -> np.ndarray:
    """Instance-dependent flips: an image is picked with probability 0.05 + the share of
    its 10 nearest labeled images (by embedding) whose true class differs, and takes the
    class most of those neighbours have, so confusing images get the confusing label (as
    human noise does, e.g. CIFAR-10N) rather than every image of a class the same one."""
    given = s.truth.copy()
    candidates = np.flatnonzero(s.labeled & (np.array(s.splits) == "train"))
    labeled = np.flatnonzero(s.labeled)
    _, rows = knn_graph(s.vectors[labeled], 10)  # self excluded
    near = labeled[rows[np.searchsorted(labeled, candidates)]]
    true = s.truth[candidates]
    other = s.truth[near] != true[:, None]
    weight = 0.05 + other.mean(axis=1)
    n = round(rate * s.labeled.sum())
    chosen = rng.choice(len(candidates), n, replace=False, p=weight / weight.sum())
    fallback = lookalikes(s)
    for j in chosen:
        votes = np.bincount(s.truth[near[j]][other[j]], minlength=len(s.classes))
        given[candidates[j]] = votes.argmax() if votes.any() else fallback[true[j]]
    return given


def imbalanced_rows(s: EmbeddedSet, rng: np.random.Generator, ratio: float = 10.0) -> np.ndarray:
    k = len(s.classes)
    keep = []
    for rank, c in enumerate(rng.permutation(k)):
        rows = np.flatnonzero(s.truth == c)
        share = ratio ** (-rank / (k - 1))
        keep.extend(rng.choice(rows, max(5, round(share * len(rows))), replace=False))
    return np.sort(np.array(keep))


def project_probs(s: EmbeddedSet, given: np.ndarray, seed: int) -> np.ndarray:
    """What labeldesk/ml/predictions.py computes: probe out of fold + kNN vote."""
    trainable = (given >= 0) & (np.array(s.splits) == "train")
    k = len(s.classes)
    probs = probe_probabilities(s.vectors, given, trainable, k, seed=seed).probs
    sims, rows = knn_graph(s.vectors, KNN_K)
    votes, evidence = knn_votes(sims, rows, given, trainable, k)
    weight = KNN_WEIGHT * evidence[:, None]
    return (1 - weight) * probs + weight * votes


def sample_as_shipped(s: EmbeddedSet) -> np.ndarray:
    """The sample's given labels: its class folders (12 planted errors included)."""
    given = s.truth.copy()
    for i, path in enumerate(s.paths):
        if given[i] >= 0:
            given[i] = s.classes.index(path.split("/")[1])
    return given


def runs_for(name: str, base: EmbeddedSet, seed: int) -> list[Run]:
    rng = np.random.default_rng(1000 + seed)
    sets = {"balanced": base}
    if name.endswith(f"-{SUBSET}"):
        rows = np.sort(rng.choice(len(base.truth), SUBSET, replace=False))
        sets["balanced"] = subset(base, rows, f"{SUBSET}-{seed}")
    sets["imbalanced"] = subset(sets["balanced"], imbalanced_rows(sets["balanced"], rng), "imb")
    plan = [("balanced", "clean", 0.0, "uniform")]
    plan += [("balanced", p, r, p) for p in ("uniform", "pairs") for r in RATES]
    plan += [("imbalanced", "imbalanced", r, "pairs") for r in (0.0, *RATES)]
    out = []
    for which, pattern, rate, flips in plan:
        s = sets[which]
        given = plant_noise(s, flips, rate, rng)
        out.append(_run(name, pattern, rate, seed, s, given))
    if name == "sample":
        out.append(_run(name, "as shipped", 12 / 400, seed, base, sample_as_shipped(base)))
    return out


def _run(name: str, pattern: str, rate: float, seed: int, s: EmbeddedSet, given: np.ndarray) -> Run:
    probs = project_probs(s, given, seed)
    rows = np.flatnonzero(s.labeled)
    return Run(name, pattern, rate, seed, given[rows], probs[rows], given[rows] != s.truth[rows])


def load_set(name: str, cache: Path) -> EmbeddedSet:
    return embedded_sets.load(name.removesuffix(f"-{SUBSET}"), cache)


# ---- counts and metrics --------------------------------------------------------------


def count_with(method: str) -> Counter:
    def count(labels: np.ndarray, probs: np.ndarray) -> int:
        given, p = check_inputs(labels, probs)
        return round(count_label_issues(given, p, estimate_noise_unchecked(given, p), method))

    return count


def clear_with(ratio: float) -> Counter:
    def count(labels: np.ndarray, probs: np.ndarray) -> int:
        given, p = check_inputs(labels, probs)
        return int(clear_errors(given, p, estimate_noise_unchecked(given, p), ratio).sum())

    return count


CANDIDATES: dict[str, Counter] = {
    BASELINE: count_with("ambiguity"),
    "calibrated (CL paper)": count_with("calibrated"),
    "confident joint, uncalibrated": count_with("confident_joint"),
    **{f"clear, ratio {r:g}": clear_with(r) for r in (2, 3, 4, 5, 6, 7, 8, 10)},
}


def measure(run: Run, flagged: np.ndarray) -> dict[str, float]:
    labels, probs, errors = run.labels, run.probs, run.errors
    scores = label_quality_scores(labels, probs)
    e, f = int(errors.sum()), int(flagged.sum())
    hits = int((flagged & errors).sum())
    a = max(5.0, 0.01 * len(labels))
    lowest = np.argsort(scores, kind="stable")[:e]
    return {
        "n": len(labels),
        "E": e,
        "F": f,
        "lr": float(np.log((f + a) / (e + a))),
        "abs": abs(f - e),
        "P": hits / f if f else float(e == 0),
        "R": hits / e if e else 1.0,
        "F1": 2 * hits / (f + e) if f + e else 1.0,
        "AUROC": float(roc_auc_score(errors, -scores)) if 0 < e < len(errors) else np.nan,
        "P@E": float(errors[lowest].mean()) if e else np.nan,
    }


def lowest_flags(labels: np.ndarray, probs: np.ndarray, n: int) -> np.ndarray:
    """find_label_issues's rule for a count n: the n lowest scores, never a label that is
    its image's most likely class after de-noising (to compare candidate counts)."""
    from labeldesk.ml.quality import denoise

    given, p = check_inputs(labels, probs)
    clean = denoise(p, estimate_noise_unchecked(given, p).noise_matrix)
    top = clean[np.arange(len(given)), given] >= clean.max(axis=1)
    order = np.argsort(label_quality_scores(labels, probs), kind="stable")
    order = order[~top[order]]
    flagged = np.zeros(len(given), dtype=bool)
    flagged[order[:n]] = True
    return flagged


def project_flags(run: Run, method: str) -> np.ndarray:
    """The real code path: find_label_issues with the count method."""
    return find_label_issues(run.labels, run.probs, count_method=method)


# ---- report ----------------------------------------------------------------------------

COLUMNS = ("E", "F", "abs", "P", "R", "F1", "AUROC", "P@E")


def print_groups(results: dict[str, list[tuple[Run, dict[str, float]]]]) -> None:
    """Mean over seeds per (set, pattern, rate), baseline and chosen side by side."""
    groups: dict[tuple[str, str, float], dict[str, list[dict[str, float]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for method, rows in results.items():
        for run, m in rows:
            groups[(run.set, run.pattern, run.rate)][method].append(m)
    head = "".join(f"{c:>7}" for c in COLUMNS)
    print(f"  {'set, pattern, rate':<34}{'method':<17}{head}{'F/E':>7}")
    for key in sorted(groups, key=lambda k: (k[0], k[1], k[2])):
        for method, ms in groups[key].items():
            mean = {c: float(np.nanmean([m[c] for m in ms])) for c in COLUMNS}
            cells = "".join(
                f"{mean[c]:>7.1f}" if c in ("E", "F", "abs") else f"{mean[c]:>7.3f}"
                for c in COLUMNS
            )
            ratio = f"{mean['F'] / mean['E']:>7.2f}" if mean["E"] else f"{'-':>7}"
            label = f"{key[0]}, {key[1]}, {key[2]:.0%}" if method == BASELINE else ""
            print(f"  {label:<34}{method:<17}{cells}{ratio}")


def summary_line(name: str, ms: list[dict[str, float]]) -> str:
    lr = np.array([m["lr"] for m in ms])
    noisy = [m for m in ms if m["E"] > 0]
    clean = [m for m in ms if m["E"] == 0]
    worst = np.abs(lr).max()
    return (
        f"  {name:<31}{worst:>7.3f}{np.abs(lr).mean():>7.3f}{lr.mean():>+7.3f}"
        f"{np.mean([m['F1'] for m in noisy]):>7.3f}"
        f"{np.mean([m['F'] / m['n'] for m in clean]):>11.2%}"
        f"{np.mean([m['F'] / m['E'] for m in noisy]):>7.2f}"
    )


def print_summary(title: str, results: dict[str, list[dict[str, float]]]) -> None:
    print(f"\n{title}")
    print(
        f"  {'count':<31}{'worst':>7}{'mean':>7}{'bias':>7}{'F1':>7}{'clean F/n':>11}{'F/E':>7}"
        "   (|log((F+a)/(E+a))|: worst and mean over runs; bias = mean signed)"
    )
    for name, ms in results.items():
        print(summary_line(name, ms))


def evaluate(runs: list[Run], candidates: bool) -> dict[str, list[tuple[Run, dict[str, float]]]]:
    out: dict[str, list[tuple[Run, dict[str, float]]]] = defaultdict(list)
    for run in runs:
        out[BASELINE].append((run, measure(run, project_flags(run, "ambiguity"))))
        out[CHOSEN].append((run, measure(run, project_flags(run, "clear"))))
        if candidates:
            for name, count in CANDIDATES.items():
                if name != BASELINE:
                    flags = lowest_flags(run.labels, run.probs, count(run.labels, run.probs))
                    out[name].append((run, measure(run, flags)))
    return out


def fixtures(folder: Path) -> None:
    print(f"\nReference: published CIFAR-10 probabilities ({folder}; a ResNet-18, not this")
    print("project's probe; human noise on ambiguous images judged by a strong model)")
    for name in ("cifar10-noise20-sp0.4", "cifar10n-aggre", "cifar10n-worst"):
        probs, given, true = (
            np.load(folder / f"{name}_{part}.npy")
            for part in ("pred_probs", "noisy_labels", "true_labels")
        )
        run = Run(name, "real", 0.0, 0, given, probs, given != true)
        for method in ("ambiguity", "clear"):
            m = measure(run, project_flags(run, method))
            print(
                f"  {name:<24}{method:<11}E {m['E']:>6}  F {m['F']:>6}  F/E {m['F'] / m['E']:.2f}"
                f"  P {m['P']:.3f}  R {m['R']:.3f}  F1 {m['F1']:.3f}"
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    default_cache = Path(tempfile.gettempdir()) / "labeldesk-bench" / "embedded-sets"
    parser.add_argument("--cache", type=Path, default=default_cache, help="embeddings cache")
    parser.add_argument("--seeds", type=int, default=3, help="seeds (noise, subset, folds)")
    parser.add_argument("--sets", default=",".join(CHOICE_SETS), help="choice sets")
    parser.add_argument("--no-candidates", action="store_true", help="baseline and chosen only")
    parser.add_argument("--fixtures", type=Path, nargs="?", const=FIXTURES,
                        help="also the published CIFAR-10 probabilities")  # fmt: skip
    args = parser.parse_args(argv)
    started = time.perf_counter()
    runs = []
    for name in [s for s in args.sets.split(",") if s]:
        base = load_set(name, args.cache)
        for seed in range(args.seeds):
            runs.extend(runs_for(name, base, seed))
    print(f"{len(runs)} runs on the choice sets ({time.perf_counter() - started:.0f} s so far)")
    results = evaluate(runs, not args.no_candidates)
    print_groups({k: v for k, v in results.items() if k in (BASELINE, CHOSEN)})
    names = [s for s in args.sets.split(",") if s]
    chosen_on = set(names) <= set(CHOICE_SETS)
    print_summary(
        "Choice sets, every run (what the count was chosen by):"
        if chosen_on
        else f"Sets {', '.join(names)}, every run (no choice made on them):",
        {k: [m for _, m in v] for k, v in results.items()},
    )
    held_set = load_set(HELD_OUT, args.cache)
    held = [run for seed in range(args.seeds) for run in runs_for(HELD_OUT, held_set, seed)]
    held_results = evaluate(held, False)
    print(f"\nHeld-out set '{HELD_OUT}' (kept out of every choice):")
    print_groups(held_results)
    print_summary(
        "Held-out set, every run:", {k: [m for _, m in v] for k, v in held_results.items()}
    )
    if args.fixtures is not None:
        if args.fixtures.is_dir():
            fixtures(args.fixtures)
        else:
            print(f"\n(fixtures not found at {args.fixtures})")
    print(f"\n{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
