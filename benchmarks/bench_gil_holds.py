"""The longest GIL holds of Ctrl+I's list computation at a large project (what froze the
window while the review's load job ran: a thread that holds the GIL in one C call, as
one json.dumps of a million hashes does, stops the GUI thread as surely as its own work).

Computes the likely mislabels as the review's load job does (browse.review_lists
.compute_items, predictions from the cache when the app made them already) on the main
thread, while a watcher thread wakes every 5 ms; a wake-up later than --over seconds is a
hold, listed with where the main thread was when the watcher got the GIL back (at, or
just after, the call that held it). On a busy machine the gaps include waiting for a CPU:
compare the code before and after on the same machine, back to back.

    python benchmarks/bench_gil_holds.py /tmp/labeldesk-scale/rows1000000/project
    PYTHONPATH=OLD_CHECKOUT python benchmarks/bench_gil_holds.py PROJECT   # the code before
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from gil_watch import gil_holds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("project", type=Path)
    parser.add_argument("--over", type=float, default=0.15, help="seconds (default 0.15)")
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()

    import labeldesk
    from labeldesk.browse.review_lists import compute_items
    from labeldesk.core.project import open_project

    print(f"labeldesk from {Path(labeldesk.__file__).parent}; load {os.getloadavg()[0]:.1f}")
    with open_project(args.project) as project, gil_holds(0.005, args.over, 4) as holds:
        start = time.perf_counter()
        found = compute_items(project, "issues")
        took = time.perf_counter() - start
    over = sum(g for g, _ in holds)
    print(f"{len(found.items):,} likely mislabels in {took:.1f} s; {len(holds)} holds over "
          f"{args.over:g} s, {over:.1f} s in all")  # fmt: skip
    for gap, where in sorted(holds, reverse=True)[: args.top]:
        print(f"  {gap:5.2f} s  at: {where}")


if __name__ == "__main__":
    main()
