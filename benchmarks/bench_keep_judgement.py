"""What keeping the old catalog's judgement costs the GUI thread after a rescan's re-read.

Two catalogs of N synthetic images (the same ids, ten classes, every 50th image flagged)
take the same scores; ``ImageCatalog.keep_judgement(older)`` (called by
``ProjectView._filled_in`` on the GUI thread) is timed in CPU seconds (this thread's),
also with the old catalog lacking its first image (the ids differ: a lookup by id, made
by the re-read's job in the app, given here or not). Median of a few rounds.

    python benchmarks/bench_keep_judgement.py                  # N=1000000, 5 rounds
    python benchmarks/bench_keep_judgement.py --images 200000 --rounds 9
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd

from labeldesk.browse.catalog import ImageCatalog
from labeldesk.ml.insights import ImageInsights

CLASSES = [f"c{i}" for i in range(10)]


def synthetic_frame(n: int) -> pd.DataFrame:
    labels = np.random.default_rng(0).integers(0, len(CLASSES), n)
    return pd.DataFrame(
        {
            "path": [f"d/{i:07d}.jpg" for i in range(n)],
            "hash": ["h"] * n,
            "label": pd.Categorical.from_codes(labels, categories=CLASSES),
            "split": pd.Categorical(["train"] * n),
            "status": pd.Categorical(["unverified"] * n),
            "width": 32,
            "height": 32,
            "size": 100,
            "format": "JPEG",
        },
        index=pd.RangeIndex(1, n + 1, name="id"),
    )


def scores(ids: np.ndarray) -> ImageInsights:
    n = len(ids)
    return ImageInsights(
        key="k",
        ids=ids.copy(),
        classes=CLASSES,
        predicted=np.arange(n) % len(CLASSES),
        confidence=np.full(n, 0.9),
        issue_score=np.linspace(1, 0, n),
        flagged=np.arange(n) % 50 == 0,
        suggested=np.zeros(n, dtype=np.int64),
        outlier_score=np.zeros(n),
        neighbour_ids=np.full((n, 1), -1),
        neighbour_sims=np.zeros((n, 1)),
    )


def timed(
    older: ImageCatalog, new: ImageCatalog, rounds: int, before: np.ndarray | None
) -> list[float]:
    out = []
    for _ in range(rounds):
        start = time.thread_time()
        new.keep_judgement(older, before)
        out.append(time.thread_time() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    frame = synthetic_frame(args.images)
    insights = scores(frame.index.to_numpy())
    for name, older_frame in (("same ids", frame), ("one image fewer", frame.iloc[1:])):
        older, new = ImageCatalog(older_frame, CLASSES), ImageCatalog(frame, CLASSES)
        older.set_insights(insights)
        new.set_insights(insights)
        made = new.positions_in(older)  # (as the re-read's job makes them)
        for given, before in (("looked up", None), ("positions given", made)):
            runs = timed(older, new, args.rounds, before)
            print(
                f"{args.images:,} images, {name}, {given}: keep_judgement "
                f"{statistics.median(runs):.3f} s CPU "
                f"(median of {len(runs)}: {', '.join(f'{r:.3f}' for r in runs)})"
            )


if __name__ == "__main__":
    main()
