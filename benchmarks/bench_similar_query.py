"""What one ``similar`` query costs from the saved index (``nearest_rows``), as the app
asks it on each click: CPU (user + system) per call of ``similar_from_index`` on a
project of N images whose store holds N synthetic vectors, and where that time goes.

The project (labeldesk's schema, one image a store row, hashes the store's keys) and
its store (``synthetic_vectors.clustered_memmap``, --dim wide) are built once under
--data and the index saved beside the store by a first query; each measure then runs in
a fresh process per checkout (--before DIR: the code before, `git worktree add`),
alternating, the queries after a first warm one. --profile prints cProfile's top entries
for this checkout's queries instead.

    python benchmarks/bench_similar_query.py --n 100000 --before /tmp/base
    python benchmarks/bench_similar_query.py --n 1000000 --dim 64 --before /tmp/base
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
KEY = "synthetic"


def build(folder: Path, n: int, dim: int) -> None:
    """The project at ``folder``/proj (n images) and its store (n rows), once."""
    sys.path.insert(0, str(HERE))
    from bench_graph_own_rows import keys
    from synthetic_vectors import clustered_memmap

    from labeldesk.core.create import create_and_index
    from labeldesk.ml.store import EMBEDDING_KEY, embeddings_dir
    from labeldesk.ml.vectors import VectorStore

    done = folder / "built"
    if done.exists():
        return
    (folder / "images").mkdir(parents=True, exist_ok=True)
    project, _ = create_and_index(folder / "proj", folder / "images", workers=1)
    insert = "INSERT INTO images (path, size, mtime_ns, hash, indexed_at) VALUES (?, 1, 1, ?, 1)"
    vectors = clustered_memmap(n, dim=dim)
    store = embeddings_dir(project) / KEY
    store.mkdir(parents=True)
    (store / "identity.json").write_text(json.dumps({"identity": {}, "dim": dim}))
    with VectorStore.writer(store, dim) as writer:
        for at in range(0, n, 50_000):
            hashes = keys(at, min(50_000, n - at))
            writer.append(hashes, vectors[at : at + len(hashes)].astype("float32"))
            with project.db.write() as conn:
                rows = [(f"img/{at + i:07d}.png", h) for i, h in enumerate(hashes)]
                conn.executemany(insert, rows)
        writer.mark_current()
    project.db.set_meta(EMBEDDING_KEY, KEY)
    done.write_text("")


def measure(folder: Path, queries: int, profile: bool) -> None:
    """CPU per query (ms), printed as JSON; cProfile's top entries with ``profile``."""
    import cProfile
    import pstats
    import time

    from labeldesk.core.project import Project
    from labeldesk.ml.nearest_rows import similar_from_index

    project = Project(folder / "proj")
    paths = [r[0] for r in project.db.query("SELECT path FROM images ORDER BY id")]
    step = max(1, len(paths) // (queries + 1))
    asked = paths[step::step][:queries]
    first = similar_from_index(project, asked[0], 10)  # the index loaded (kept after)
    assert first is not None, "the saved index does not apply"
    prof = cProfile.Profile() if profile else None
    times, answers = [], []
    for path in asked:
        began = time.process_time()
        if prof is not None:
            prof.enable()
        answers.append(similar_from_index(project, path, 10))
        if prof is not None:
            prof.disable()
        times.append(1000 * (time.process_time() - began))
    if prof is not None:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(18)
    digest = [[(r["path"], round(float(r["score"]), 5)) for r in a or []] for a in answers]
    print(json.dumps({"ms": statistics.median(times), "answers": digest}))


def run(code: Path, folder: Path, queries: int, profile: bool) -> dict:
    env = dict(os.environ, PYTHONPATH=str(code))
    args = [sys.executable, __file__, "--child", str(folder), "--queries", str(queries)]
    out = subprocess.run(
        args + (["--profile"] if profile else []), env=env, text=True, capture_output=True
    )
    if out.returncode != 0:
        raise SystemExit(out.stderr)
    if profile:
        print(out.stdout.rsplit("\n", 2)[0])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="project images")
    parser.add_argument("--dim", type=int, default=1280, help="vector width")
    parser.add_argument("--queries", type=int, default=50, help="queries a process")
    parser.add_argument("--rounds", type=int, default=3, help="alternations")
    parser.add_argument("--before", type=Path, help="checkout of the code before")
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "ld-sim")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return measure(args.child, args.queries, args.profile)
    folder = args.data / f"{args.n}x{args.dim}"
    build(folder, args.n, args.dim)
    codes = {"this": HERE.parent} | ({"before": args.before} if args.before else {})
    got: dict[str, list[dict]] = {name: [] for name in codes}
    for _ in range(args.rounds):
        for name, code in codes.items():
            got[name].append(run(code, folder, args.queries, args.profile))
    for name, runs in got.items():
        print(f"{name}: {[round(r['ms'], 2) for r in runs]} ms CPU a query (medians)")
    if args.before:
        same = got["this"][0]["answers"] == got["before"][0]["answers"]
        print(f"same answers for {args.queries} queries: {same}")
    print(f"load {os.getloadavg()[0]:.1f} (1 min) on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
