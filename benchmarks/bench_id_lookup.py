"""Image ids for many paths: the old chunked ``path IN (?, …)`` against one ``json_each``.

A project with N image rows (inserted directly; no files are needed to look ids up), then
``Project.ids_for`` of K paths (spread over the table, in random order), timed against
the form it replaced (900 placeholders a query, inlined below); also ``paths_of`` and
``image_states`` of the same K ids. Median of a few runs, in milliseconds; both forms
must return the same rows. Prints the query plan of the new form.

    python benchmarks/bench_id_lookup.py                  # N=100000, K=50000
    python benchmarks/bench_id_lookup.py --rows 200000 --lookup 100000
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from labeldesk.core.project import ImageState, Project
from labeldesk.core.sql_lists import IN_LIST
from labeldesk.core.vocab import EFFECTIVE_SPLIT


def old_ids_for(project: Project, paths: list[str]) -> dict[str, int]:
    """The chunked lookup as it was before issue 11."""
    wanted = list(dict.fromkeys(paths))
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 900):
        chunk = wanted[start : start + 900]
        marks = ",".join("?" * len(chunk))
        for row in project.db.query(
            f"SELECT path, id FROM images WHERE removed_at IS NULL AND path IN ({marks})", chunk
        ):
            found[row[0]] = row[1]
    return found


def old_paths_of(project: Project, ids: list[int]) -> list[str]:
    found: dict[int, str] = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        marks = ",".join("?" * len(chunk))
        for row in project.db.query(f"SELECT id, path FROM images WHERE id IN ({marks})", chunk):
            found[row[0]] = row[1]
    return [found[i] for i in ids if i in found]


def old_image_states(project: Project, ids: list[int]) -> list[ImageState]:
    unique = list(dict.fromkeys(ids))
    states: list[ImageState] = []
    for start in range(0, len(unique), 900):
        chunk = unique[start : start + 900]
        marks = ",".join("?" * len(chunk))
        rows = project.db.query(
            f"SELECT id, label, {EFFECTIVE_SPLIT}, status FROM images WHERE id IN ({marks})",
            chunk,
        )
        states.extend(ImageState(int(r[0]), r[1], r[2], r[3]) for r in rows)
    return states


def build(folder: Path, rows: int) -> Project:
    images = folder / "images"
    images.mkdir()
    project = Project.create(folder / "project", images, classes=[f"c{k}" for k in range(10)])
    now = time.time()
    with project.db.write() as conn:  # a benchmark's fixture: rows without files
        conn.executemany(
            "INSERT INTO images(path, size, mtime_ns, hash, label, indexed_at) "
            "VALUES (?, 1, 0, ?, ?, ?)",
            (
                (f"train/c{i % 10}/img{i:07d}.jpg", f"{i:064x}", f"c{i % 10}", now)
                for i in range(rows)
            ),
        )
    return project


def median_ms(
    old: Callable[[], object], new: Callable[[], object], repeat: int
) -> tuple[float, float]:
    """Median milliseconds of each, the two run in turn (a busy machine slows both alike)."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for run, spent in ((old, times[0]), (new, times[1])):
            started = time.perf_counter()
            run()
            spent.append((time.perf_counter() - started) * 1000)
    return statistics.median(times[0]), statistics.median(times[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--lookup", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = build(Path(tmp), args.rows)
        try:
            rng = random.Random(0)
            picked = rng.sample(range(args.rows), args.lookup)
            paths = [f"train/c{i % 10}/img{i:07d}.jpg" for i in picked]
            assert old_ids_for(project, paths) == project.ids_for(paths)
            ids = list(project.ids_for(paths).values())
            assert old_paths_of(project, ids) == project.paths_of(ids)
            assert sorted(old_image_states(project, ids)) == project.image_states(ids)
            plan = project.db.query(
                "EXPLAIN QUERY PLAN SELECT path, id FROM images "
                f"WHERE removed_at IS NULL AND path {IN_LIST}",
                ("[]",),
            )
            print("plan:", " / ".join(str(r[3]) for r in plan))
            print(f"{args.rows} rows, {args.lookup} looked up, median of {args.repeat} (ms)")
            print(f"{'':<14}{'chunked IN':>12}{'json_each':>12}")
            for name, old, new in (
                ("ids_for", lambda: old_ids_for(project, paths), lambda: project.ids_for(paths)),
                ("paths_of", lambda: old_paths_of(project, ids), lambda: project.paths_of(ids)),
                (
                    "image_states",
                    lambda: old_image_states(project, ids),
                    lambda: project.image_states(ids),
                ),
            ):
                before, after = median_ms(old, new, args.repeat)
                print(f"{name:<14}{before:>12.1f}{after:>12.1f}")
        finally:
            project.close()


if __name__ == "__main__":
    main()
