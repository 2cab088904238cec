"""What a small question costs at 100k-1M images: commands a person runs for one image,
ten rows or a list, on scale_project.py's projects (the ones bench_scale.py uses, built
once under --data), each in a fresh process:

  stats      `labeldesk stats P`
  label      `labeldesk label P IMAGE CLASS` (one image; two classes in turn)
  classes    `labeldesk classes P`
  history    `labeldesk history P -n 10`, and `history-image`: `history P IMAGE`
  embed      `labeldesk embed P` with every image embedded but the similar-image search's
             index removed first (ivf-index.faiss: what a run that embedded images past
             20,000 leaves to build); run before `similar`, which then finds the index
             built or, with code that leaves it to the first search, builds it (cold)
  similar    `labeldesk similar P IMAGE -k 10`
  queue      `labeldesk queue P -n 10`
  queue-uncached  `labeldesk queue P -n 10` with the predictions deleted first (as after
             any label change: the queue makes them; the kNN graph stays, as the
             near-duplicate pass leaves it, made by a first run when missing)
  queue-cold `labeldesk queue P -n 10` on a copy of the project with every label cleared
             (made once, `project-nolabels`): the cold start, with the predictions
             deleted first as for queue-uncached
  versions   `labeldesk version P list`

For each: wall time, CPU time (user + system of the process and the children it waited
for), peak memory (the kernel's high-water mark of its resident set, from wait4: exact,
not sampled; the command is started by own_peak.py's small launcher, not by this script,
so the figure is the command's own: a child started straight from here would count this
script's high-water mark too, as Linux keeps the memory a process had at exec) and what
it read (rchar: the database pages from the disk or the page
cache, its Python modules too; what a cold cache would fetch). With --before DIR (a
checkout of the code before: `git worktree add /tmp/base COMMIT`) each command runs as
well with the LabelDesk in DIR, in the same round, on a copy of the project at that
code's schema (made once: the database copied, the rest hard-linked; the indexes newer
migrations added are dropped, which is all a copy may differ by: anything else stops
the run). Medians over --rounds; CPU, memory and reads are what to compare on a shared
machine.

    python benchmarks/bench_small_asks.py --sizes 100000,300000 --before /tmp/base
    python benchmarks/bench_small_asks.py --sizes 1000000 --measures stats,classes --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from own_peak import run_measured
from scale_project import build, png_path
from synthetic_project import CLASSES

MEASURES = ("stats", "label", "classes", "history", "history-image", "embed", "similar",
            "queue", "queue-uncached", "queue-cold", "versions")  # fmt: skip
UNCACHED = ("queue-uncached", "queue-cold")  # predictions deleted before each run
HERE = Path(__file__).resolve().parents[1]


def arguments(measure: str, project: Path, turn: int) -> list[str]:
    image = png_path(0)
    return {
        "stats": ["stats", str(project)],
        "label": ["label", str(project), image, CLASSES[turn % 2]],
        "classes": ["classes", str(project)],
        "history": ["history", str(project), "-n", "10"],
        "history-image": ["history", str(project), image],
        "embed": ["embed", str(project)],
        "similar": ["similar", str(project), image, "-k", "10"],
        "queue": ["queue", str(project), "-n", "10"],
        "queue-uncached": ["queue", str(project), "-n", "10"],
        "queue-cold": ["queue", str(project), "-n", "10"],
        "versions": ["version", str(project), "list"],
    }[measure]


def measured(args: list[str], code: Path, timeout_s: float) -> dict:
    """Run once from own_peak.py's small launcher: its own CPU time and peak memory."""
    env = dict(os.environ, PYTHONPATH=str(code))
    cmd = [sys.executable, "-m", "labeldesk", *args, "--json"]
    r = run_measured(cmd, env=env, cwd=code, timeout_s=timeout_s, capture_stdout=False)
    if r["timed_out"]:
        return {"error": f"over {timeout_s:.0f} s"}
    if r["returncode"] != 0:
        last = (r["stderr"].strip().splitlines() or ["?"])[-1][:160]
        return {"error": f"exit {r['returncode']}: {last}"}
    return {k: r[k] for k in ("wall_s", "cpu_s", "peak_mb", "read_mb")}


def index_names(code: Path) -> tuple[int, set[str], dict[str, set[str]]]:
    """The schema version the LabelDesk in ``code`` writes, its index names, its tables'
    columns (read from its migrations, in a fresh process)."""
    probe = (
        "import json, sqlite3; from labeldesk.core import db_schema as s\n"
        "c = sqlite3.connect(':memory:'); c.isolation_level = None; s.migrate(c)\n"
        "i = [r[0] for r in c.execute(\"SELECT name FROM sqlite_master WHERE type='index' "
        'AND sql IS NOT NULL")]\n'
        "t = {n: [r[1] for r in c.execute(f'PRAGMA table_info({n})')] for (n,) in "
        "c.execute(\"SELECT name FROM sqlite_master WHERE type='table'\")}\n"
        "print(json.dumps([s.SCHEMA_VERSION, i, t]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=code, env=dict(os.environ, PYTHONPATH=str(code)),
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    version, indexes, tables = json.loads(out)
    return int(version), set(indexes), {k: set(v) for k, v in tables.items()}


def without_labels(project: Path, base: Path) -> Path:
    """A copy of ``project`` with every label cleared (made once): the database copied,
    the rest hard-linked, the labels cleared by this LabelDesk in one batch."""
    copy = base / f"{project.name}-nolabels"
    if (copy / ".complete").exists():
        return copy
    shutil.rmtree(copy, ignore_errors=True)
    subprocess.run(["cp", "-al", str(project), str(copy)], check=True)
    for extra in ("labeldesk.db", "labeldesk.db-wal", "labeldesk.db-shm"):
        (copy / extra).unlink(missing_ok=True)
    with sqlite3.connect(project / "labeldesk.db") as src:
        src.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy2(project / "labeldesk.db", copy / "labeldesk.db")
    # in a process of its own, so this script stays small (the measured commands start
    # from own_peak.py's launcher anyway)
    clear = (
        "import sys; from labeldesk.core.project import open_project\n"
        "with open_project(sys.argv[1]) as p:\n"
        "    paths = p.images(include_skipped=False).path\n"
        "    p.set_labels(dict.fromkeys(paths), description='clear every label (benchmark)')"
    )
    subprocess.run(
        [sys.executable, "-c", clear, str(copy)], check=True,
        env=dict(os.environ, PYTHONPATH=str(HERE)),
    )  # fmt: skip
    print(f"  {copy}: every label cleared", file=sys.stderr)
    (copy / ".complete").touch()
    return copy


def graph_made(project: Path, code: Path, args: argparse.Namespace) -> None:
    """The project's kNN graph and search index, made by a first queue when missing (the
    copies made after it share them: their images and vectors are the same)."""
    if not list(project.glob("embeddings/*/knn-*")):
        print(f"  {project}: a first queue makes the kNN graph …", file=sys.stderr)
        measured(arguments("queue", project, 0), code, args.timeout)


def drop_predictions(project: Path) -> None:
    for cache in (project / "embeddings").glob("*/predictions-*.npz"):
        cache.unlink()


def before_copy(project: Path, base: Path, code: Path) -> Path:
    """A copy of ``project`` at the schema of the LabelDesk in ``code`` (made once)."""
    version, indexes, tables = index_names(code)
    copy = base / f"{project.name}-schema{version}"
    if (copy / ".complete").exists():
        return copy
    shutil.rmtree(copy, ignore_errors=True)
    subprocess.run(["cp", "-al", str(project), str(copy)], check=True)
    db = copy / "labeldesk.db"
    for extra in ("labeldesk.db-wal", "labeldesk.db-shm"):
        (copy / extra).unlink(missing_ok=True)
    db.unlink()
    with sqlite3.connect(project / "labeldesk.db") as src:
        src.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy2(project / "labeldesk.db", db)
    conn = sqlite3.connect(db)
    ours = {
        n: {r[1] for r in conn.execute(f"PRAGMA table_info({n})")}
        for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
    }
    if any(ours.get(n) != cols for n, cols in tables.items()) or set(ours) != set(tables):
        raise SystemExit(f"the code in {code} has other tables or columns: no copy for it")
    newer = [
        r[0]
        for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index' AND sql NOT NULL")
        if r[0] not in indexes
    ]
    for name in newer:
        conn.execute(f"DROP INDEX {name}")
    conn.execute(f"PRAGMA user_version = {version}")
    conn.commit()
    conn.close()
    print(f"  {copy}: schema {version}, dropped {newer or 'nothing'}", file=sys.stderr)
    (copy / ".complete").touch()
    return copy


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100000,300000,1000000")
    parser.add_argument("--data", type=Path, default=Path("/tmp/labeldesk-scale"))
    parser.add_argument("--measures", default=",".join(MEASURES))
    parser.add_argument("--before", type=Path, help="a checkout of the code before")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--largest", type=int, default=1_000_000)
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    args = parser.parse_args()
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"cpus: {os.cpu_count()} (load average {load})  python {sys.version.split()[0]}")
    sizes = [int(s) for s in args.sizes.split(",")]
    projects = build(args.data, sizes, args.largest)
    codes = {"after": HERE, **({"before": args.before.resolve()} if args.before else {})}
    results: dict[int, dict[str, dict[str, list[dict]]]] = {}
    for n in sizes:
        info = projects[n]
        measures = args.measures.split(",")
        sources = {"": info["project"]}
        if set(UNCACHED) & set(measures):  # the kNN graph, made once, before the copies
            graph_made(info["project"], codes["before" if args.before else "after"], args)
        if "queue-cold" in measures:
            sources["cold"] = without_labels(info["project"], info["base"])
        targets = {("after", kind): src for kind, src in sources.items()}
        if args.before:
            for kind, src in sources.items():
                targets[("before", kind)] = before_copy(src, info["base"], codes["before"])
        runs: dict[str, dict[str, list[dict]]] = {}
        for turn in range(args.rounds):
            for measure in measures:
                for which, code in codes.items():
                    print(f"  {n:,} round {turn + 1}: {measure} {which} …", file=sys.stderr)
                    target = targets[(which, "cold" if measure == "queue-cold" else "")]
                    cmd = arguments(measure, target, turn)
                    if measure == "embed":  # the index to build (see the docstring)
                        for index in (target / "embeddings").glob("*/ivf-index.faiss"):
                            index.unlink()
                    if measure in UNCACHED:
                        drop_predictions(target)
                    runs.setdefault(measure, {}).setdefault(which, []).append(
                        measured(cmd, code, args.timeout)
                    )
        results[n] = runs
        if args.json:
            args.json.write_text(json.dumps(results, indent=1))
    print(f"\n{'size':>10}  {'measure':<14} {'code':<7} {'wall':>8} {'CPU':>8} {'peak':>9} "
          f"{'read':>9}")  # fmt: skip
    for n, per_measure in results.items():
        for measure, per_code in per_measure.items():
            for which, runs in per_code.items():
                good = [r for r in runs if "error" not in r]
                errors = sorted({r["error"] for r in runs if "error" in r})
                if not good:
                    print(f"{n:>10,}  {measure:<14} {which:<7} {'; '.join(errors)}")
                    continue
                keys = ("wall_s", "cpu_s", "peak_mb", "read_mb")
                wall, cpu, peak, read = (statistics.median(r[k] for r in good) for k in keys)
                note = f"  ({len(errors)} error(s): {'; '.join(errors)})" if errors else ""
                print(f"{n:>10,}  {measure:<14} {which:<7} {wall:>6.2f} s {cpu:>6.2f} s "
                      f"{peak:>6.0f} MB {read:>6.0f} MB{note}")  # fmt: skip


if __name__ == "__main__":
    main()
