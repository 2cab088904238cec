"""What a project's open costs at 100k-1M images, and what the damage check adds to it.

Every open of a project looks for the damage note beside its database
(labeldesk/core/damage_note.py); only where the note is does it check the whole file
(SQLite's integrity check, quick_check above 10,000 pages). This measures, on
scale_project.py's projects (the ones bench_scale.py uses, built once under --data):

  stats      `labeldesk stats PROJECT --json`, process start included
  label      `labeldesk label PROJECT IMAGE CLASS --json`: one image, two classes in turn
  classes    `labeldesk classes PROJECT --json`
  api        `open_project(PROJECT)` in a fresh process, the open alone
  gui        bench_gui.py's app process (as `labeldesk gui PATH`): process start -> the
             project opened, -> first paint of the grid

each in these states, in turn within every round (the machine is shared: compare the
states of one run, not runs):

  shipped    as LabelDesk runs: no note, so no check (a look for the note)
  off        the same code with the damage check taken out (damage_remaining patched to
             return None in the measured process): the code before the check
  note       a note left beside a sound database (written again before each run): the
             one open after a repair, which checks the file and removes the note
  damaged    (--damaged) a copy of the database with a page overwritten, a new note
             beside it before each run: the file is checked, then opened read-only (its
             write, `label`, is refused: timed all the same). Each open of a damaged
             project did this before the note remembered a check's findings
  again      (--damaged) the same, run right after, with the note as that run left it:
             the next opens of the unchanged damaged file
  before     (--before DIR) as "again", with the LabelDesk in DIR (a checkout of the
             code before: `git worktree add /tmp/base COMMIT`)
  base       (--before DIR) as "shipped", with the LabelDesk in DIR
  note-before, damaged-before
             (--before DIR) as "note" and "damaged", with the LabelDesk in DIR

The states with --before's code run on a copy of the project at that code's schema
(bench_small_asks.before_copy: the indexes newer migrations added dropped).

For gui, "stall" is the GUI thread's longest stall in the open: the open call itself, or
(where the app checks a project found damaged before off the GUI thread, then opens it)
the longest gap between the event loop's turns until the project is open.

Wall time is the median over --rounds; CPU time (user + system of the measured process
and its children) says what the wall time would be on an idle machine.

    python benchmarks/bench_open_check.py --sizes 100000 --rounds 3
    python benchmarks/bench_open_check.py --sizes 100000,300000,1000000 --damaged
    python benchmarks/bench_open_check.py --sizes 2000 --largest 2000 --data /tmp/try
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_small_asks import before_copy
from scale_project import build, children_cpu, png_path
from synthetic_project import CLASSES

MEASURES = ("stats", "label", "classes", "api", "gui")
STATES = ("shipped", "off", "note", "damaged", "again", "before", "base", "note-before",
          "damaged-before")  # fmt: skip
BEFORE = ("before", "base", "note-before", "damaged-before")  # run with --before's code
DAMAGED = ("damaged", "again", "before", "damaged-before")  # on the damaged copy
NOTE = "labeldesk.db-damaged.txt"
# Run in the measured process before LabelDesk: the open without the damage check.
CHECK_OFF = "import labeldesk.core.project as p; p.damage_remaining = lambda db_file: None"
API = (  # the open alone: imported first
    "import sys, time, json; from labeldesk.core.project import open_project; "
    "t, c = time.perf_counter(), time.process_time(); p = open_project(sys.argv[1]); "
    "print(json.dumps({'open_s': time.perf_counter() - t, 'open_cpu_s': time.process_time() - c, "
    "'read_only': p.read_only})); p.close()"
)


# In the app's process: the GUI thread's CPU time in Project() (the open, the damage check
# included), written to the file $BENCH_OPEN_CPU names (wall times follow the load).
OPEN_CPU = (
    "import os, time, labeldesk.core.project as _p; _init = _p.Project.__init__\n"
    "def _timed(self, *a, **k):\n"
    "    c = time.thread_time(); _init(self, *a, **k); c = time.thread_time() - c\n"
    "    with open(os.environ['BENCH_OPEN_CPU'], 'a') as f: f.write(f'{c}\\n')\n"
    "_p.Project.__init__ = _timed"
)


def python_with(prelude: str, args: list[str], run: str) -> list[str]:
    """A command that runs ``prelude`` then ``run`` (a module's or script's main)."""
    code = f"import runpy, sys\n{prelude}\nsys.argv = {args!r}\n{run}"
    return [sys.executable, "-c", code]


def command(measure: str, state: str, project: Path, n: int, turn: int) -> list[str]:
    prelude = CHECK_OFF if state == "off" else "pass"
    cli = "runpy.run_module('labeldesk', run_name='__main__')"
    if measure == "stats":
        return python_with(prelude, ["labeldesk", "stats", str(project), "--json"], cli)
    if measure == "classes":
        return python_with(prelude, ["labeldesk", "classes", str(project), "--json"], cli)
    if measure == "label":
        args = ["labeldesk", "label", str(project), png_path(0), CLASSES[turn % 2], "--json"]
        return python_with(prelude, args, cli)
    if measure == "api":
        return python_with(prelude, ["api", str(project)], f"exec({API!r})")
    bench_gui = str(Path(__file__).resolve().parent / "bench_gui.py")
    args = [bench_gui, "--driver", str(project), "--images", str(n), "--phases", "none",
            "--platform", os.environ.get("QT_QPA_PLATFORM", "offscreen"),
            "--t0", repr(time.time())]  # fmt: skip
    prelude += "\n" + OPEN_CPU
    return python_with(prelude, args, f"runpy.run_path({bench_gui!r}, run_name='__main__')")


def run_once(cmd: list[str], code: Path | None = None) -> dict:
    """Run ``cmd`` (with the LabelDesk in ``code``, else this one): times and figures."""
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    first = [str(code)] if code else []
    env["PYTHONPATH"] = os.pathsep.join(
        [*first, str(Path(__file__).resolve().parent), *sys.path[1:]]
    )
    cpu, start = children_cpu(), time.perf_counter()
    # (run in that tree: `python -c` puts the working folder first on the path)
    where = code or Path(__file__).resolve().parents[1]
    with tempfile.NamedTemporaryFile("r", suffix=".txt") as opened:
        env["BENCH_OPEN_CPU"] = opened.name
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=where)
        open_cpu = [float(v) for v in opened.read().split()]
    out = {"wall_s": time.perf_counter() - start, "cpu_s": children_cpu() - cpu}
    if proc.returncode != 0:
        if "DatabaseDamaged" in proc.stdout:  # a write refused on the damaged copy
            return {**out, "refused": True}
        last = (proc.stdout.strip().splitlines() or proc.stderr.strip().splitlines() or ["?"])[-1]
        return {**out, "error": f"exit {proc.returncode}: {last[:160]}"}
    if cmd[-1].endswith("run_name='__main__')") and "bench_gui" in cmd[-1]:
        launch = json.loads(proc.stdout.strip().splitlines()[-1])["launch"]
        return {**out, "opened_s": launch["opened_s"], "first_paint_s": launch["first_paint_s"],
                "open_cpu_s": open_cpu[0] if open_cpu else None,
                "open_stall_s": launch.get("open_stall_s")}  # fmt: skip
    if "exec(" in cmd[-1]:
        return {**out, **json.loads(proc.stdout.strip().splitlines()[-1])}
    return out


def damaged_copy(project: Path, base: Path, name: str = "damaged-project") -> Path:
    """A project folder whose labeldesk.db is the project's, one page in the middle of
    the file overwritten with other bytes (made once)."""
    copy = base / name
    db = copy / "labeldesk.db"
    if not (copy / ".complete").exists():
        shutil.rmtree(copy, ignore_errors=True)
        copy.mkdir(parents=True)
        # (checkpointed first: the copy must not need a -wal)
        subprocess.run([sys.executable, "-c", "import sqlite3, sys; "
                        "sqlite3.connect(sys.argv[1]).execute('PRAGMA wal_checkpoint(TRUNCATE)')",
                        str(project / "labeldesk.db")], check=True)  # fmt: skip
        shutil.copy2(project / "labeldesk.db", db)
        page = 4096
        pages = db.stat().st_size // page
        with open(db, "r+b") as f:
            f.seek((pages // 2) * page)
            f.write(bytes([0x5A]) * page)
        (copy / ".complete").touch()
    (copy / NOTE).write_text("left by bench_open_check.py\n")
    return copy


def measure_size(n: int, info: dict, args: argparse.Namespace) -> dict:
    project: Path = info["project"]
    wanted = args.states.split(",")
    states = [s for s in wanted if s not in DAMAGED or args.damaged]
    states = [s for s in states if s not in BEFORE or args.before]
    measures = args.measures.split(",")
    damaged = damaged_copy(project, info["base"]) if args.damaged else None
    old = before_copy(project, info["base"], args.before.resolve()) if args.before else None
    old_damaged = (
        damaged_copy(old, info["base"], "damaged-before") if old and args.damaged else None
    )
    runs: dict[str, dict[str, list[dict]]] = {m: {s: [] for s in states} for m in measures}
    for turn in range(args.rounds):
        for measure in measures:
            for state in states:
                damage = state in DAMAGED
                target = damaged if damage and damaged else project
                if state in BEFORE and old is not None:  # (at that code's schema)
                    target = old_damaged if damage and old_damaged else old
                if state in ("note", "damaged", "note-before", "damaged-before"):
                    (target / NOTE).write_text("left by bench_open_check.py\n")
                print(f"  {n:,} round {turn + 1}: {measure} {state} …", file=sys.stderr)
                code = args.before if state in BEFORE else None
                result = run_once(command(measure, state, target, n, turn), code)
                if state in ("note", "note-before") and (target / NOTE).exists():
                    result.setdefault("error", "the note was not removed")
                runs[measure][state].append(result)
    for folder in (project, old):
        if folder is not None:
            (folder / NOTE).unlink(missing_ok=True)
    return runs


def summary(runs: list[dict]) -> dict:
    good = [r for r in runs if "error" not in r]
    out: dict = {"runs": len(runs), "errors": sorted({r["error"] for r in runs if "error" in r})}
    if good:
        keys = ("wall_s", "cpu_s", "open_s", "open_cpu_s", "opened_s", "first_paint_s",
                "open_stall_s")  # fmt: skip
        for key in keys:
            values = [r[key] for r in good if r.get(key) is not None]
            if values:
                out[key] = statistics.median(values)
    return out


def print_table(results: dict[int, dict]) -> None:
    print(f"\n{'size':>10}  {'measure':<8} {'state':<14} {'wall':>8} {'CPU':>8}  detail")
    for n, per_measure in results.items():
        for measure, per_state in per_measure.items():
            for state, runs in per_state.items():
                s = summary(runs)
                detail = []
                if "open_s" in s and "opened_s" not in s:
                    detail.append(f"open_project {s['open_s']:.3f} s "
                                  f"(CPU {s['open_cpu_s']:.3f} s)")  # fmt: skip
                if "opened_s" in s:
                    cpu = s.get("open_cpu_s")
                    in_open = f" (GUI-thread CPU {cpu:.3f} s)" if cpu is not None else ""
                    detail.append(f"opened {s['opened_s']:.2f} s{in_open}")
                if "first_paint_s" in s:
                    detail.append(f"first paint {s['first_paint_s']:.2f} s")
                if "open_stall_s" in s:
                    detail.append(f"GUI-thread stall {s['open_stall_s']:.3f} s")
                if any(r.get("refused") for r in runs):
                    detail.append("refused: damaged (as it should be)")
                if s["errors"]:
                    detail.append(f"{len(runs) - s['runs'] + len(s['errors'])} error(s): "
                                  + "; ".join(s["errors"]))  # fmt: skip
                wall = f"{s['wall_s']:.2f} s" if "wall_s" in s else "–"
                cpu = f"{s['cpu_s']:.2f} s" if "cpu_s" in s else "–"
                print(f"{n:>10,}  {measure:<8} {state:<14} {wall:>8} {cpu:>8}  "
                      + ", ".join(detail))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100000,300000,1000000")
    parser.add_argument("--data", type=Path, default=Path("/tmp/labeldesk-scale"))
    parser.add_argument("--measures", default=",".join(MEASURES))
    parser.add_argument("--states", default=",".join(STATES))
    parser.add_argument("--damaged", action="store_true", help="also the damaged states")
    parser.add_argument("--before", type=Path, help="a checkout of the code before")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--largest", type=int, default=1_000_000,
                        help="images in the shared image tree (smaller: a quick try)")  # fmt: skip
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    args = parser.parse_args()
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"cpus: {os.cpu_count()} (load average {load})  python {sys.version.split()[0]}")
    sizes = [int(s) for s in args.sizes.split(",")]
    projects = build(args.data, sizes, args.largest)
    results: dict[int, dict] = {}
    for n in sizes:
        db = projects[n]["project"] / "labeldesk.db"
        print(f"project {n:,}: {db} ({db.stat().st_size / 2**20:.0f} MB)")
        results[n] = measure_size(n, projects[n], args)
        if args.json:
            args.json.write_text(json.dumps(results, indent=1))
    print_table(results)


if __name__ == "__main__":
    main()
