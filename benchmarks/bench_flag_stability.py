"""How much the flags move when a person fixes one label: the other flagged images that
leave the list or join it, per single fix, with the probes' folds shuffled (by the
labels: scikit-learn's StratifiedKFold, LabelDesk's folds before session 32) and with
folds that stay put (labeldesk.ml.probe.stable_folds, from a number fixed per image).

Sets (bench_label_suite's, cached under --cache): the bundled sample with its 12 planted
errors, and 3,000 Fashion-MNIST images with 10 % look-alike flips. For each of the first
``--fixes`` wrong labels: that one label set right, the predictions made again as the
project makes them (cleaning and the pixel view), and the flags compared with those
before the fix (the fixed image itself left out).

Session 32 (``--fixes 8``): the sample, shuffled 11.1 other flags changed per fix (8-14),
stable **4.4** (2-7); Fashion-MNIST 9.8 (6-13) against **7.5** (3-12). What still moves
comes from the fits themselves: the fixed label is learnt by four of the five folds'
models, the cleaning round's suspects change with it, and so does the count.

    python benchmarks/bench_flag_stability.py --fixes 8
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_label_suite as suite  # noqa: E402
from embedded_sets import EmbeddedSet  # noqa: E402

from labeldesk.ml import predictions  # noqa: E402
from labeldesk.quality import find_label_issues  # noqa: E402


def given_labels(name: str, s: EmbeddedSet) -> np.ndarray:
    """The sample's labels as shipped (planted errors in); Fashion-MNIST with 10 %
    look-alike flips (seed 0)."""
    if name == "sample":
        folders = [p.split("/") for p in s.paths]
        return np.array(
            [s.classes.index(f[1]) if f[0] in ("train", "test") else -1 for f in folders]
        )
    return suite.plant_noise(s, "pairs", 0.1, np.random.default_rng(0))


def flagged(s: EmbeddedSet, labels: np.ndarray, keys: np.ndarray | None) -> set[int]:
    """Rows flagged as the project flags them, folds from ``keys`` (None: shuffled)."""
    shipped = predictions.out_of_sample_probs

    def with_keys(*args, **kwargs):  # type: ignore[no-untyped-def]
        return shipped(*args, **(kwargs | {"fold_keys": keys}))

    suite.out_of_sample_probs = with_keys
    try:
        probs = suite.probs_with(1, gated=True, pixels=True)(s, labels, 0)
    finally:
        suite.out_of_sample_probs = shipped
    rows = np.flatnonzero(labels >= 0)
    flags = find_label_issues(labels[rows], probs[rows], count_method=suite.COUNT)
    return set(rows[flags].tolist())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cache", type=Path, default=Path("/tmp/fc/cache"))
    parser.add_argument("--fixes", type=int, default=8)
    parser.add_argument("--sets", default="sample,fmnist")
    args = parser.parse_args()
    for name in args.sets.split(","):
        s = suite.load(name, args.cache)
        suite.pixel_views(name, args.cache)
        labels = given_labels(name, s)
        wrong = np.flatnonzero((labels != s.truth) & (labels >= 0))[: args.fixes]
        keys = np.random.default_rng(123).random(len(labels))
        for folds, k in (("shuffled", None), ("stable", keys)):
            before = flagged(s, labels, k)
            moved = []
            for row in wrong:
                fixed = labels.copy()
                fixed[row] = s.truth[row]
                after = flagged(s, fixed, k) - {int(row)}
                moved.append(len((before - {int(row)}) ^ after))
            print(
                f"{name:<8}{folds:<10}{len(before):>5} flagged; other flags changed per fix: "
                f"mean {np.mean(moved):.1f} ({min(moved)}-{max(moved)}): {moved}",
                flush=True,
            )


if __name__ == "__main__":
    main()
