"""What one label key press costs the GUI thread while "Likely mislabeled" is shown.

After each label key the browser refreshes its counts, and with the flagged list shown
it also asks the grid's model whether the list on screen is out of date (the sidebar's
"2 more flagged since this list was shown: show them (Alt+S)" line:
``ImageListModel.list_changes``). This builds, in memory, an ImageCatalog of N images in
synthetic_project.py's layout (10 classes, train/val, every 20th unlabeled) with
synthetic model scores (--flagged share flagged), no files and no database, shows the
flagged list in an ImageListModel (sorted "Likely mislabeled first", as choosing the
view does), and replays what a label key press does to them on the GUI thread: the
catalog takes the image's new label (``apply_columns``), the model repaints its row, and
the counts are refreshed as ``ProjectView.refresh_counts`` does (label counts, show
counts, ``list_changes``). For each case it prints the GUI thread's CPU time (median and
max over --presses presses) of the whole press and of ``list_changes`` alone.

Cases: ``flagged`` (the view alone), ``+class`` (one class chosen too), ``+search`` (a
path search typed too) and ``idle`` (the counts refreshed again with nothing changed:
what a refresh after a thumbnail, a re-read of nothing or a second count costs).

``--before DIR`` measures the code in DIR too (a checkout of the code before, e.g.
``git worktree add /tmp/base main``), in the same run, each in its own process:

    python benchmarks/bench_flag_hint.py --sizes 100000,1000000 --before /tmp/base
    python benchmarks/bench_flag_hint.py --sizes 20000 --presses 5      # quick look
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

CASES = ("flagged", "+class", "+search", "idle")
HERE = Path(__file__).resolve().parent.parent  # this checkout


def build(n: int, flagged_share: float):
    """A catalog of ``n`` images with scores, ``flagged_share`` of them flagged."""
    import numpy as np
    import pandas as pd
    from synthetic_project import CLASSES, relpath

    from labeldesk.browse.catalog import ImageCatalog
    from labeldesk.core.image_frame import categorised
    from labeldesk.ml.insights import ImageInsights

    paths = [relpath(i) for i in range(n)]
    paths.sort()
    labels = [None if "/_unlabeled/" in p else p.split("/")[1] for p in paths]
    frame = pd.DataFrame(
        {
            "path": paths,
            "hash": "h",
            "label": labels,
            "split": [p.split("/")[0] for p in paths],
            "status": None,
            "width": 24,
            "height": 24,
            "size": 100,
            "format": "PNG",
            "skip_reason": None,
        },
        index=pd.RangeIndex(1, n + 1, name="id"),
    )
    frame = categorised(frame, CLASSES)
    catalog = ImageCatalog(frame, CLASSES)
    rng = np.random.default_rng(0)
    scores = rng.random(n)
    flagged = scores < flagged_share
    codes = np.maximum(catalog.label_codes, 0)
    insights = ImageInsights(
        key="bench",
        ids=catalog.ids.copy(),
        classes=list(CLASSES),
        predicted=codes,
        confidence=rng.random(n),
        issue_score=scores,
        flagged=flagged,
        suggested=np.where(flagged, (codes + 1) % len(CLASSES), -1),
        outlier_score=rng.random(n),
        neighbour_ids=np.full((n, 1), -1, dtype=np.int64),
        neighbour_sims=np.zeros((n, 1)),
        expected_errors=int(flagged.sum()),
    )
    catalog.set_insights(insights)
    return catalog


def measure(n: int, presses: int, flagged_share: float) -> dict:
    """GUI-thread CPU ms of each case's presses: {case: {"press": [...], "changes": [...]}}."""
    import gc

    import numpy as np
    from synthetic_project import CLASSES

    from labeldesk.browse.catalog import StateColumns
    from labeldesk.browse.image_records import ImageFilter
    from labeldesk.gui.image_model import ImageListModel

    catalog = build(n, flagged_share)
    out: dict[str, dict] = {}
    for case in CASES:
        wanted = ImageFilter(show="flagged", sort="issue")
        if case == "+class":
            wanted = ImageFilter(show="flagged", sort="issue", label=CLASSES[3])
        elif case == "+search":
            wanted = ImageFilter(show="flagged", sort="issue", search="train/")
        model = ImageListModel()
        model.set_catalog(catalog, wanted)
        model.list_changes()  # as the view's first count after the list was shown
        press_ms, changes_ms, said = [], [], []
        gc.collect()
        for k in range(presses):
            row = (k * 7) % model.rowCount()
            pos = int(model.position(row))
            t0 = time.thread_time()
            if case != "idle":  # the key: the image gets the next class (it was looked at)
                label = CLASSES[(max(catalog.class_index(pos), 0) + 1) % len(CLASSES)]
                states = StateColumns(
                    np.array([catalog.ids[pos]], dtype=np.int64),
                    np.array([label], dtype=object),
                    np.array([catalog.splits[pos]], dtype=object),
                    np.array([catalog.statuses[pos]], dtype=object),
                )
                model.positions_changed(catalog.apply_columns(states))
            catalog.label_counts(wanted.split)  # refresh_counts, as the view does it
            catalog.show_counts(wanted.split)
            model.rowCount()
            t1 = time.thread_time()
            said.append(model.list_changes())
            t2 = time.thread_time()
            press_ms.append((t2 - t0) * 1000)
            changes_ms.append((t2 - t1) * 1000)
        out[case] = {"press": press_ms, "changes": changes_ms, "said": said[-1]}
    return out


def run_in(code: Path, n: int, args: argparse.Namespace) -> dict:
    """``measure`` in a fresh process with the LabelDesk of ``code`` first on the path."""
    env = dict(os.environ, PYTHONPATH=str(code))
    cmd = [sys.executable, __file__, "--measure", str(n)]
    cmd += ["--presses", str(args.presses), "--flagged", str(args.flagged)]
    done = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100000,1000000", help="images, comma-separated")
    parser.add_argument("--presses", type=int, default=20, help="key presses per case")
    parser.add_argument("--flagged", type=float, default=0.03, help="share of images flagged")
    parser.add_argument("--before", type=Path, help="a checkout of the code before")
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.presses, args.flagged)))
        return
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"cpus: {os.cpu_count()} (load average {load}); GUI-thread CPU ms per key press")
    codes = [("before", args.before), ("after", HERE)] if args.before else [("now", HERE)]
    print(
        f"{'images':>9} {'case':<8} {'code':<7} {'press p50':>10} {'max':>7} "
        f"{'list_changes p50':>17} {'max':>7}  hint said (more, no longer)"
    )
    for n in (int(s) for s in args.sizes.split(",")):
        results = {name: run_in(code, n, args) for name, code in codes}
        for case in CASES:
            for name, _ in codes:
                r = results[name][case]
                press, changes = r["press"], r["changes"]
                print(
                    f"{n:>9,} {case:<8} {name:<7} {statistics.median(press):>10.2f} "
                    f"{max(press):>7.2f} {statistics.median(changes):>17.2f} "
                    f"{max(changes):>7.2f}  {tuple(r['said'])}"
                )


if __name__ == "__main__":
    main()
