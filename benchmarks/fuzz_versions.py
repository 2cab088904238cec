"""Run the version fuzzer of tests/safety/version_fuzz.py for many seeds and steps.

Each seed builds a small project in a temporary folder, runs that many random operations
(labels, review statuses, splits, classes added, renamed, merged and removed, undo/redo,
imports with bad rows (undone and redone as other batches), undo and redo
--include-imports of folder labels, an import's undo cut short by a fault, versions,
exports with --class-map, --since and --version current,
files renamed, swapped, added, rewritten, corrupted, repaired, deleted and put back on
disk), checks
the project against its model after each, and exports and verifies every version it
recorded.
Prints one line per seed and the failures in full.
Run: python benchmarks/fuzz_versions.py --seeds 0-199 --steps 80
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", default="0-49", help="FIRST-LAST, inclusive")
    parser.add_argument("--steps", type=int, default=60)
    args = parser.parse_args()
    from safety.version_fuzz import run_fuzz

    first, _, last = args.seeds.partition("-")
    failed, started = [], time.monotonic()
    for seed in range(int(first), int(last or first) + 1):
        with tempfile.TemporaryDirectory(prefix="labeldesk-fuzz-") as folder:
            try:
                run_fuzz(seed, args.steps, Path(folder))
                print(f"seed {seed}: ok", flush=True)
            except AssertionError as e:
                failed.append(seed)
                print(f"seed {seed}: FAILED\n{e}", flush=True)
    print(
        f"{len(failed)} of {int(last or first) - int(first) + 1} seeds failed "
        f"({args.steps} steps each, {time.monotonic() - started:.0f} s): {failed}"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
