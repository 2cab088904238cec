"""Scoring and reporting for bench_label_suite.py: per run, AUROC, precision at the number
of errors and each count's flags against the true errors; per group and set, the tables
and worst cases it prints; the published CIFAR-10/10N fixtures against their reference
figures."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

from labeldesk.ml import confident
from labeldesk.ml.confident import CLEAR_AMBIGUITY_RATIO
from labeldesk.quality import find_label_issues, label_quality_scores

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "label-errors"
# The fixtures' reference figures (shared/benchmarks/label-errors/README.md): self-confidence
# AUROC and P@E, cleanlab's default filter F1, argmax != given F1.
REFERENCE = {
    "cifar10-noise20-sp0.4": (0.9969, 0.952, 0.942, 0.864),
    "cifar10n-aggre": (0.9773, 0.792, 0.674, 0.747),
    "cifar10n-worst": (0.9634, 0.874, 0.849, 0.884),
}
OLD_COUNT, COUNT = "clear", "clear_ambiguity"  # the flag count before and now (ml/issues.py)
COUNTS = (
    "clear",
    "clear_ambiguity",
    "clear_ambiguity@2",
    "clear_ambiguity@3",
    "clear_ambiguity@4",
    "clear_ambiguity@6",
    "ambiguity",
    "anchors",
)

# ---- metrics --------------------------------------------------------------------------


def fixtures_found(folder: Path) -> bool:
    """Whether the CIFAR-10/10N fixtures are in ``folder``; says so when they are not, so a
    run from a checkout without ../shared does not leave them out without a word."""
    if folder.is_dir():
        return True
    print(f"CIFAR-10/10N fixtures not found in {folder}: left out (pass --fixtures DIR)")
    return False


def fixture(folder: Path, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(out-of-fold probabilities, given labels, true labels) of the fixture ``name``."""
    probs, given, true = (
        np.load(folder / f"{name}_{part}.npy")
        for part in ("pred_probs", "noisy_labels", "true_labels")
    )
    return probs, given, true


def ranking(scores: np.ndarray, errors: np.ndarray) -> dict[str, float]:
    """E (the true errors), the AUROC of the lowest scores for them and the precision at
    E of the E lowest-scored images."""
    e = int(errors.sum())
    lowest = np.argsort(scores, kind="stable")[:e]
    return {
        "E": e,
        "AUROC": float(roc_auc_score(errors, -scores)) if 0 < e < len(errors) else np.nan,
        "P@E": float(errors[lowest].mean()) if e else np.nan,
    }


def flag_f1(flagged: np.ndarray, errors: np.ndarray) -> tuple[float, float, float]:
    hits = int((flagged & errors).sum())
    f, e = int(flagged.sum()), int(errors.sum())
    precision = hits / f if f else float(e == 0)
    recall = hits / e if e else 1.0
    return precision, recall, (2 * hits / (f + e) if f + e else 1.0)


ANCHORS = "anchors"  # (research) class-conditional rates from each class's surest images
ANCHOR_SHARE = 0.2


def anchor_count(labels: np.ndarray, probs: np.ndarray) -> float:
    """(Research, not shipped) errors estimated from anchor images: out-of-fold
    probabilities never saw an image's own label, so among the ANCHOR_SHARE of the images
    predicted as class j that are surest of it, the share labelled otherwise estimates how
    often class j's labels were flipped, ambiguous images aside (the anchor points of
    forward correction, Patrini et al., CVPR 2017). The count is that rate times the
    images predicted as j, summed over classes. It assumes noise that depends on the class
    only: flips concentrated on ambiguous images (human slips) never reach the anchors."""
    predicted = probs.argmax(axis=1)
    total = 0.0
    for j in range(probs.shape[1]):
        rows = np.flatnonzero(predicted == j)
        if len(rows):
            take = max(5, int(np.ceil(ANCHOR_SHARE * len(rows))))
            surest = rows[np.argsort(-probs[rows, j], kind="stable")[:take]]
            total += float((labels[surest] != j).mean()) * len(rows)
    return total


def measure(labels: np.ndarray, probs: np.ndarray, errors: np.ndarray) -> dict[str, float]:
    scores = label_quality_scores(labels, probs)
    m = ranking(scores, errors)
    m["refF1"] = max(
        flag_f1(find_label_issues(labels, probs, filter_by=f), errors)[2]
        for f in ("prune_by_noise_rate", "predicted_neq_given")
    )
    for count in COUNTS:
        if count == ANCHORS:
            flagged = np.zeros(len(labels), bool)
            flagged[np.argsort(scores, kind="stable")[: round(anchor_count(labels, probs))]] = True
            p, r, f1 = flag_f1(flagged, errors)
            m |= {f"F:{count}": int(flagged.sum()), f"P:{count}": p, f"R:{count}": r}
            m[f"F1:{count}"] = f1
            continue
        method, _, ratio = count.partition("@")
        confident.CLEAR_AMBIGUITY_RATIO = float(ratio or CLEAR_AMBIGUITY_RATIO)
        flagged = find_label_issues(labels, probs, count_method=method)
        confident.CLEAR_AMBIGUITY_RATIO = CLEAR_AMBIGUITY_RATIO
        p, r, f1 = flag_f1(flagged, errors)
        m |= {f"F:{count}": int(flagged.sum()), f"P:{count}": p, f"R:{count}": r}
        m[f"F1:{count}"] = f1
    return m


# ---- report ---------------------------------------------------------------------------


def grouped(rows: list[tuple[Any, dict]]) -> dict[tuple[str, str, float], dict[str, float]]:
    groups: dict[tuple[str, str, float], list[dict]] = defaultdict(list)
    for run, m in rows:
        groups[(run.set, run.pattern, run.rate)].append(m)
    return {
        k: {c: float(np.nanmean([m[c] for m in ms])) for c in ms[0]} for k, ms in groups.items()
    }


def print_table(
    results: dict[str, list[tuple[Any, dict]]], new_count: str, baseline: str = "baseline"
) -> None:
    """Per group, each method's flags with its count: ``baseline`` with the old count."""
    print(
        f"  {'set, pattern, rate':<28}{'method':<16}{'E':>6}{'F':>7}{'F/E':>6}"
        f"{'P':>7}{'R':>7}{'F1':>7}{'refF1':>7}{'AUROC':>8}{'P@E':>7}"
    )
    tables = {name: grouped(rows) for name, rows in results.items()}
    first = next(iter(tables.values()))
    for key in sorted(first, key=lambda k: (k[0], k[1] != "clean", k[1], k[2])):
        for i, (name, table) in enumerate(tables.items()):
            m, count = table[key], OLD_COUNT if name == baseline else new_count
            ratio = f"{m[f'F:{count}'] / m['E']:>6.2f}" if m["E"] else f"{'-':>6}"
            label = f"{key[0]}, {key[1]}, {key[2]:.0%}" if i == 0 else ""
            print(
                f"  {label:<28}{name:<16}{m['E']:>6.0f}{m[f'F:{count}']:>7.1f}{ratio}"
                f"{m[f'P:{count}']:>7.3f}{m[f'R:{count}']:>7.3f}{m[f'F1:{count}']:>7.3f}"
                f"{m['refF1']:>7.3f}{m['AUROC']:>8.4f}{m['P@E']:>7.3f}"
            )


def worst_cases(results: dict[str, list[tuple[Any, dict]]], title: str) -> None:
    """Per set and method, over its noisy groups: worst AUROC and P@E, and per count the
    range of F/E and the worst flag F1 minus the better of CL and argmax (>= 0: target met);
    then what each count flagged on a clean set: the mean and the most over its runs."""
    print(f"\n{title}")
    print(
        f"  {'set':<12}{'method':<16}{'AUROC':>7}{'P@E':>7}"
        + "".join(f"{c:>22}" for c in COUNTS)
        + "   (per count: F/E min-max, worst F1 - ref)"
    )
    tables = {name: grouped(rows) for name, rows in results.items()}
    sets = [*sorted({k[0] for t in tables.values() for k in t}), "(all)"]
    for set_name in sets:
        for i, (name, table) in enumerate(tables.items()):
            noisy = [m for k, m in table.items() if m["E"] > 0 and set_name in (k[0], "(all)")]
            cells = ""
            for c in COUNTS:
                ratios = [m[f"F:{c}"] / m["E"] for m in noisy]
                gap = min(m[f"F1:{c}"] - m["refF1"] for m in noisy)
                cells += f"{min(ratios):>9.2f}-{max(ratios):<5.2f}{gap:>+7.3f}"
            label = set_name if i == 0 else ""
            print(
                f"  {label:<12}{name:<16}{min(m['AUROC'] for m in noisy):>7.4f}"
                f"{min(m['P@E'] for m in noisy):>7.3f}{cells}"
            )
    for name, rows in results.items():
        clean: dict[str, list[dict]] = defaultdict(list)  # set -> one run per seed
        for run, m in rows:
            if m["E"] == 0:  # (the held-out noise pattern has no clean run)
                clean[run.set].append(m)
        for set_name, runs in sorted(clean.items()):
            flags = ", ".join(
                f"{c} {np.mean([m[f'F:{c}'] for m in runs]):.0f} "
                f"({max(m[f'F:{c}'] for m in runs):.0f})"
                for c in COUNTS
            )
            print(f"  {name}, {set_name} clean: flagged, mean (most) over seeds: {flags}")


def fixtures(folder: Path) -> None:
    print(f"\nPublished fixtures ({folder}): default score and flags vs reference figures")
    print(
        f"  {'set':<24}{'AUROC':>8}{'ref':>8}{'P@E':>7}{'ref':>7}   count        F/E     F1  ref F1"
    )
    for name, (auroc, pe, cl_f1, argmax_f1) in REFERENCE.items():
        probs, given, true = fixture(folder, name)
        m = measure(given, probs, given != true)
        for i, c in enumerate(COUNTS):
            head = (
                f"{name:<24}{m['AUROC']:>8.4f}{auroc:>8.4f}{m['P@E']:>7.3f}{pe:>7.3f}"
                if i == 0
                else " " * 54
            )
            print(
                f"  {head}   {c:<20}{m[f'F:{c}'] / m['E']:>5.2f}{m[f'F1:{c}']:>7.3f}"
                f"{max(cl_f1, argmax_f1):>8.3f}"
            )
