"""The drift report against a big project: peak memory, CPU, the longest GIL hold, and
the vector rows read, for the code before and after a change, alternated in one run.

Each run is a fresh process computing :func:`labeldesk.ml.drift.drift_report` on FOLDER
while a watcher thread wakes every 10 ms: the largest gap between two wake-ups is the
longest time the report's job held the GIL (the GUI thread waits as long; on a busy
machine the gaps include waiting for a CPU, so compare the codes in the same run). Peak
memory is the process's own (``ru_maxrss``), CPU its user + system seconds; rows read
counts the vectors :class:`~labeldesk.ml.vectors.VectorStore` ``read`` and ``gather``
return (not those a memory map pages in).

Cold (default): each run on a fresh copy of PROJECT (its database copied, its embeddings
hard-linked; no cache), so the drift predictions over every row are made in the run: a
project's first check. ``--warm``: one copy; the first code's cold run (printed) makes
the caches, then the codes alternate on it: every later check.

PROJECT: ``scale_project.build(DATA, [100000], largest=100000)``, then
``scale_project.py --repeat 1000000 DATA/n100000/project DEST`` (1M rows); FOLDER:
``gui_stall_pages.py DEST FOLDER 1000`` (1,000 new images, their vectors stored).

    python benchmarks/bench_drift_scale.py DEST FOLDER --code /tmp/base --code .   # cold
    python benchmarks/bench_drift_scale.py DEST FOLDER --code . --code /tmp/base --warm --pairs 2
    python benchmarks/bench_drift_scale.py DEST FOLDER --code . --code /tmp/base --warm --relabel 99

``--relabel N`` (with ``--warm``): before each measured run, N train images are moved to
the next class (a new draw each run, unmeasured): a check after a relabel, whose
vectors and neighbours are cached but not its labels' predictions.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from gil_watch import gil_holds

SKIPPED = {"labeldesk.db-wal", "labeldesk.db-shm", "cache", "drift"}


def fresh_copy(project: Path, dest: Path) -> Path:
    """``project``'s database copied and its embeddings hard-linked into ``dest`` (made
    anew), without the predictions and kNN graphs cached beside them (the store's search
    index, if PROJECT has one, is kept: it is built once per store)."""
    import sqlite3

    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    for entry in project.iterdir():
        if entry.name in SKIPPED or entry.name == "labeldesk.db":
            continue
        if entry.name == "embeddings":  # the vectors, not what was computed from them
            shutil.copytree(
                entry, dest / entry.name, copy_function=os.link,
                ignore=shutil.ignore_patterns("predictions-*", "knn-*", "drift-*"),
            )  # fmt: skip
        elif entry.is_dir():
            shutil.copytree(entry, dest / entry.name, symlinks=True)
        else:
            shutil.copy2(entry, dest / entry.name)
    source = sqlite3.connect(project / "labeldesk.db")
    target = sqlite3.connect(dest / "labeldesk.db")
    source.backup(target)
    source.close()
    target.close()
    return dest


def relabel(project: Path, count: int, seed: int) -> None:
    """``count`` labeled train images (drawn with ``seed``) moved to the next class: a
    set of labels no check has seen, the vectors unchanged."""
    import sqlite3

    import numpy as np

    from labeldesk.core.project import open_project

    db = sqlite3.connect(f"file:{project / 'labeldesk.db'}?mode=ro", uri=True)
    (n,) = db.execute("SELECT count(*) FROM images").fetchone()
    picked: list[tuple[str, str]] = []
    rng = np.random.default_rng(seed)
    while len(picked) < count:
        row = db.execute(
            "SELECT path, label FROM images WHERE label IS NOT NULL AND split = 'train' "
            "LIMIT 1 OFFSET ?",
            (int(rng.integers(n // 2)),),
        ).fetchone()
        if row is not None:
            picked.append(row)
    db.close()
    with open_project(project) as proj:
        classes = proj.classes()
        proj.set_labels({p: classes[(classes.index(c) + 1) % len(classes)] for p, c in picked})


def child(project: Path, folder: Path) -> None:
    """One report, measured (prints one JSON line)."""
    from labeldesk.core.project import open_project
    from labeldesk.ml import vectors
    from labeldesk.ml.drift import drift_report

    read = [0]
    original = vectors.VectorStore.read

    def counted(self: object, rows: object) -> object:
        out = original(self, rows)  # type: ignore[arg-type]
        read[0] += len(out)
        return out

    vectors.VectorStore.read = counted  # type: ignore[method-assign]
    gather = vectors.VectorStore.gather

    def gathered(self: object, rows: object, *args: object, **kw: object) -> object:
        out = gather(self, rows, *args, **kw)  # type: ignore[arg-type]
        read[0] += len(out)
        return out

    vectors.VectorStore.gather = gathered  # type: ignore[method-assign]
    with open_project(project) as proj:
        before = resource.getrusage(resource.RUSAGE_SELF)
        with gil_holds(0.01, 0.1, 3) as holds:
            start = time.perf_counter()
            report = drift_report(proj, folder)
            wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_SELF)
    holds.sort(reverse=True)
    out = report.outputs
    print(json.dumps({
        "wall_s": round(wall, 1),
        "cpu_s": round(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, 1),
        "peak_rss_gb": round(after.ru_maxrss / 2**20, 2),
        "rows_read": read[0],
        "longest_hold_s": round(holds[0][0], 2) if holds else 0.0,
        "holds": [[round(g, 2), w] for g, w in holds[:4]],
        "verdict": report.verdict,
        "p": [report.p_value, report.mmd_p_value, report.outlier_p_value,
              report.residual_p_value, report.residual_mmd_p_value],
        "output_p": None if out is None else round(out.p_value, 6),
        "outputs": None if out is None else out.to_json(),
        "duplicates": len(report.duplicates),
        "load": round(os.getloadavg()[0], 1),
    }), flush=True)  # fmt: skip


def run_child(code: Path, copy: Path, folder: Path, relabeled: int = 0, seed: int = 0) -> str:
    """One measured report by the checkout ``code`` on ``copy`` (its JSON line), after
    ``relabeled`` images were relabeled (unmeasured) when not 0."""
    script = str(Path(__file__).resolve())
    env = {**os.environ, "PYTHONPATH": str(code.resolve())}
    if relabeled:
        cmd = [sys.executable, script, str(copy), str(folder), "--relabel-child", str(seed)]
        subprocess.run([*cmd, "--relabel", str(relabeled)], env=env, check=True)
    cmd = [sys.executable, script, str(copy), str(folder), "--child"]
    found = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if found.returncode != 0:
        print(found.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"the run with {code} failed")
    return found.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("project", type=Path)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--code", action="append", type=Path, help="a checkout (repeatable)")
    parser.add_argument("--pairs", type=int, default=1)
    parser.add_argument("--warm", action="store_true")
    parser.add_argument("--scratch", type=Path, default=Path("/tmp/bench-drift-scale"))
    parser.add_argument(
        "--relabel", type=int, default=0,
        help="with --warm: relabel this many images before each measured run (a relabel: "
        "the vectors unchanged, labels no run saw)",
    )  # fmt: skip
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--relabel-child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.project, args.folder)
        return
    if args.relabel_child is not None:
        relabel(args.project, args.relabel, args.relabel_child)
        return
    codes = args.code or [Path(__file__).resolve().parent.parent]
    copy = args.scratch / "project"
    if args.warm:  # one copy: the first code's cold run makes the caches every later run finds
        fresh_copy(args.project, copy)
        print(f"{codes[0]} (cold, makes the caches): {run_child(codes[0], copy, args.folder)}")
    runs = 0
    for pair in range(args.pairs):
        for code in codes if pair % 2 == 0 else codes[::-1]:
            if not args.warm:
                fresh_copy(args.project, copy)
            runs += 1
            line = run_child(code, copy, args.folder, args.relabel if args.warm else 0, runs)
            what = f" (warm, {args.relabel} relabeled)" if args.relabel else " (warm)"
            print(f"{code}{what if args.warm else ''}: {line}")
            sys.stdout.flush()
    shutil.rmtree(copy, ignore_errors=True)


if __name__ == "__main__":
    main()
