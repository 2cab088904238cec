"""Label-quality benchmark: label-error detection on published CIFAR-10 / CIFAR-10N fixtures.

Part (a), published fixtures: out-of-fold ResNet-18 probabilities for CIFAR-10 train from
Kuan & Mueller's label-error-detection benchmark, with the given (noisy) and the true labels
(see shared/benchmarks/label-errors/README.md). An error is given != true. For each set:

- scores: AUROC, AUPRC and precision among the k lowest-scored images (k = true number of
  errors) for every score method, self-confidence being the baseline;
- flags: precision, recall and F1 of find_label_issues (default), of argmax != given and of
  the confident-learning prune-by-noise-rate filter (cleanlab's default), and more filters;
- counts: estimated against true number of errors;
- the README's reference figures (the bars) beside them, and the time taken.

Part (b), end to end on real images: Fashion-MNIST train images (Debian's
dataset-fashion-mnist) with a fixed-seed noise pattern (10 % of labels flipped, mostly to
a look-alike class: shirt/t-shirt, pullover/coat, sneaker/sandal, ...), written as an
ImageFolder and run through `labeldesk new`, `labeldesk embed` and `labeldesk issues`.
Against a baseline in the same run: 5-fold logistic regression on the same embeddings
ranked by self-confidence (flags: argmax != given). Shuffled stratified folds, mean and
spread over several fold seeds.

    python benchmarks/bench_label_quality.py
    python benchmarks/bench_label_quality.py --fixtures DIR --sets cifar10n-aggre
    python benchmarks/bench_label_quality.py --skip-fixtures --images 3000 --seeds 3
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

from labeldesk.ml.confident import COUNT_METHODS
from labeldesk.quality import (
    SCORE_METHODS,
    estimate_num_label_issues,
    find_label_issues,
    label_quality_scores,
)

FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks" / "label-errors"
# README reference figures: self-confidence AUROC, AUPRC, precision@#errors; cleanlab's
# default filter F1; argmax != given F1.
REFERENCE = {
    "cifar10-noise20-sp0.4": (0.9969, 0.989, 0.952, 0.942, 0.864),
    "cifar10n-aggre": (0.9773, 0.875, 0.792, 0.674, 0.747),
    "cifar10n-worst": (0.9634, 0.951, 0.874, 0.849, 0.884),
}
FLAGGERS: dict[str, dict[str, Any]] = {
    "find_label_issues (default)": {},
    "argmax != given": {"filter_by": "predicted_neq_given"},
    "CL prune_by_noise_rate": {"filter_by": "prune_by_noise_rate"},
    "CL prune_by_class": {"filter_by": "prune_by_class"},
    "CL both": {"filter_by": "both"},
    "CL confident joint off-diagonal": {"filter_by": "confident_learning"},
    "lowest self-confidence, CL count": {
        "score_method": "self_confidence",
        "count_method": "calibrated",
    },
}


# ---- part (a): published fixtures --------------------------------------------------------


def load_set(folder: Path, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(pred_probs, given labels, true labels) of one fixture set."""
    probs, given, true = (
        np.load(folder / f"{name}_{part}.npy")
        for part in ("pred_probs", "noisy_labels", "true_labels")
    )
    return probs, given, true


def precision_at_errors(scores: np.ndarray, errors: np.ndarray) -> float:
    """Share of errors among the k lowest-scored images, k = the true number of errors."""
    lowest = np.argsort(scores, kind="stable")[: int(errors.sum())]
    return float(errors[lowest].mean())


def flag_metrics(flagged: np.ndarray, errors: np.ndarray) -> tuple[float, float, float]:
    hits = float((flagged & errors).sum())
    precision = hits / max(int(flagged.sum()), 1)
    recall = hits / max(int(errors.sum()), 1)
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return precision, recall, f1


def bench_set(name: str, probs: np.ndarray, given: np.ndarray, true: np.ndarray) -> None:
    errors = given != true
    ref = REFERENCE.get(name)
    print(f"\n{name}: {len(given)} images, {probs.shape[1]} classes, {errors.sum()} errors")
    print(f"  {'score':<30}{'AUROC':>8}{'AUPRC':>8}{'P@#err':>8}{'seconds':>9}")
    for method in SCORE_METHODS:
        started = time.perf_counter()
        scores = label_quality_scores(given, probs, method=method)
        seconds = time.perf_counter() - started
        auroc = roc_auc_score(errors, -scores)
        auprc = average_precision_score(errors, -scores)
        p_at = precision_at_errors(scores, errors)
        print(f"  {method:<30}{auroc:>8.4f}{auprc:>8.4f}{p_at:>8.4f}{seconds:>9.3f}")
    if ref:
        print(f"  {'reference (self-confidence)':<30}{ref[0]:>8.4f}{ref[1]:>8.3f}{ref[2]:>8.3f}")
    print(f"  {'flags':<34}{'flagged':>8}{'prec':>8}{'recall':>8}{'F1':>8}{'seconds':>9}")
    for label, options in FLAGGERS.items():
        started = time.perf_counter()
        flagged = find_label_issues(given, probs, **options)
        seconds = time.perf_counter() - started
        precision, recall, f1 = flag_metrics(flagged, errors)
        print(
            f"  {label:<34}{flagged.sum():>8}{precision:>8.3f}{recall:>8.3f}{f1:>8.4f}"
            f"{seconds:>9.3f}"
        )
    if ref:
        print(f"  {'reference F1: cleanlab default':<58}{ref[3]:>8.3f}")
        print(f"  {'reference F1: argmax != given':<58}{ref[4]:>8.3f}")
    counts = ", ".join(
        f"{method} {estimate_num_label_issues(given, probs, method=method)}"
        for method in COUNT_METHODS
    )
    print(f"  number of errors: true {errors.sum()}; estimated: {counts}")


def run_fixtures(folder: Path, names: list[str]) -> None:
    print(f"Part (a): published fixtures in {folder}")
    for name in names:
        bench_set(name, *load_set(folder, name))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--fixtures", type=Path, default=FIXTURES, help="fixture folder")
    parser.add_argument("--sets", default=",".join(REFERENCE), help="comma-separated set names")
    parser.add_argument("--skip-fixtures", action="store_true", help="skip part (a)")
    parser.add_argument("--skip-images", action="store_true", help="skip part (b)")
    parser.add_argument("--images", type=int, default=3000, help="part (b): train images")
    parser.add_argument("--noise", type=float, default=0.10, help="part (b): share flipped")
    parser.add_argument("--seeds", type=int, default=3, help="part (b): fold seeds")
    args = parser.parse_args(argv)
    if not args.skip_fixtures:
        if not args.fixtures.is_dir():
            parser.error(f"fixture folder not found: {args.fixtures} (pass --fixtures DIR)")
        run_fixtures(args.fixtures, [s for s in args.sets.split(",") if s])
    if not args.skip_images:
        from bench_label_quality_images import run_images

        run_images(args.images, args.noise, args.seeds)


if __name__ == "__main__":
    main()
