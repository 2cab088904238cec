"""The first scores arriving with the browser sorted by label fit, new scores arriving for
every image (a rescoring), new scores arriving while every image is read again, a class
or a sort chosen while the new scores' orders are made, the first sort of the browser by
a model value, and the map opened, at a million images: this checkout against the code
before, in turns, in one run.

Each round runs ``bench_gui_stalls.py PROJECT --actions`` sort_before_scores,rescore,
scores_during_read,read_again,read_edited,new_matches_while_ordering,class_while_ordering,
sort_while_ordering,sort_issue,sort_confidence,map_open once per checkout, in its own
process (the app opened offscreen until idle, its
scores and map read from the project's caches; then ``sort_before_scores``: the scores
forgotten and the browser sorted by label fit, as when a project opens with that sort
kept, then the first scores handed over; ``rescore``: the insights feed hands over new
scores for every image, as after a label fit; ``scores_during_read``: sorted by label
fit, every image read again (a rescan's re-read) with new scores handed over as it
starts; ``read_again`` / ``read_edited``: sorted by label fit, every image read again
with no new scores, the second where the rescan found 1,000 files edited
(``gui_stall_reads.py``); ``new_matches_while_ordering``: the flagged list by label fit,
the last image current, scores flagging 100 more handed over, and while their orders are
made the list shown as it is now (Alt+S), saying whether the current image stayed;
``class_while_ordering`` / ``sort_while_ordering``: sorted by label fit, new
scores handed over, and as soon as they are swapped in, while the job making their
orders runs, a class chosen / the sort by confidence chosen; then the browser sorted by
label fit and by confidence, each the first sort by that value since the scores came;
then a new map page over the cached projection), the checkouts' order swapped every
round, and prints per action the longest GUI-thread stall, the call's own time, the
GUI thread's CPU time (the call's, and in the longest stall: on a busy machine a stall
is mostly waiting for a core, so the CPU figures are the ones to compare), the 99th
percentile of the heartbeat's gaps from the action until idle, and the GUI thread's CPU
time from the action until idle.

    python benchmarks/scale_project.py --repeat 1000000 DATA/n100000/project P1M
    python benchmarks/bench_gui_stalls.py P1M --actions map_open   # once: caches made
    git worktree add /tmp/base main
    python benchmarks/bench_sort_map.py P1M --before /tmp/base --rounds 3
    python benchmarks/bench_sort_map.py P1M --before /tmp/base --map-read   # the job alone

``--map-read``: the map page's job alone (``map_points`` over the cached projection), in
each checkout's process: its CPU time and its longest hold of Python's lock.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ACTIONS = (
    "sort_before_scores",
    "rescore",
    "scores_during_read",
    "read_again",
    "read_edited",
    "new_matches_while_ordering",
    "class_while_ordering",
    "sort_while_ordering",
    "sort_issue",
    "sort_confidence",
    "map_open",
)
LINE = re.compile(
    r"^(?P<name>\w+)\s+call\s+(?P<call>[\d.]+) s\s+max gap\s+(?P<gap>[\d.]+) s.*?"
    r"\(CPU: call (?P<cpu>[\d.]+) s, longest gap (?P<gap_cpu>[\d.]+) s\)"
    r"(?:.*\[gap p99 (?P<p99>\d+) ms; GUI CPU until idle (?P<busy>[\d.]+) s\])?"
)


def run_once(
    project: Path, checkout: Path, actions: tuple[str, ...] = ACTIONS
) -> dict[str, dict[str, float]]:
    """One app run of the actions with ``checkout``'s labeldesk: name -> figures."""
    env = {**os.environ, "PYTHONPATH": str(checkout), "QT_QPA_PLATFORM": "offscreen"}
    command = [sys.executable, str(HERE / "bench_gui_stalls.py"), str(project)]
    command += ["--actions", ",".join(actions)]
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    found: dict[str, dict[str, float]] = {}
    for line in out.splitlines():
        match = LINE.match(line)
        if match and match["name"] in ACTIONS:
            found[match["name"]] = {
                k: float(match[k] or "nan")
                for k in ("call", "gap", "cpu", "gap_cpu", "p99", "busy")
            }
            if "(job ended)" in line:  # (chosen after the orders were made: not what it says)
                print(f"    {match['name']}: the orders' job had ended first", flush=True)
        elif line.startswith("    (") or "current image kept" in line or "taking the" in line:
            print(f"  {line.strip()}", flush=True)
    return found


def map_read(project: Path) -> None:
    """(In the child, ``--map-read``.) The map page's job reading the cached map
    (``map_points``) on the main thread, while a watcher thread wakes every 5 ms: the
    read's CPU time, and its longest hold of Python's lock (the watcher's latest wake-up:
    a hold that long froze the window while the job ran)."""
    import threading
    import time

    from labeldesk.core.project import open_project
    from labeldesk.ml.map_data import map_points
    from labeldesk.ml.projection import DEFAULT_METHOD

    late, done = [0.0], threading.Event()

    def watch() -> None:
        last = time.perf_counter()
        while not done.is_set():
            time.sleep(0.005)
            now = time.perf_counter()
            late[0] = max(late[0], now - last - 0.005)
            last = now

    with open_project(project) as opened:
        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        start, cpu = time.perf_counter(), time.process_time()
        points = map_points(opened, DEFAULT_METHOD)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        done.set()
        watcher.join()
    print(f"MAPREAD {len(points.ids)} {cpu:.2f} {wall:.2f} {late[0]:.3f}", flush=True)


def map_reads(project: Path, checkouts: dict[str, Path], rounds: int) -> None:
    """``map_read`` in each checkout's process, in turns."""
    for n in range(rounds):
        for which in ["before", "after"] if n % 2 == 0 else ["after", "before"]:
            env = {**os.environ, "PYTHONPATH": str(checkouts[which])}
            command = [sys.executable, __file__, str(project), "--child-map-read"]
            load = os.getloadavg()[0]
            out = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
            line = next(x for x in out.stdout.splitlines() if x.startswith("MAPREAD"))
            _, points, cpu, wall, hold = line.split()
            print(
                f"round {n + 1} {which:<6} load {load:4.1f}: the map's read of {int(points):,} "
                f"points {float(cpu):.2f} s CPU ({float(wall):.2f} s wall), longest GIL hold "
                f"{float(hold):.2f} s",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("project", type=Path)
    parser.add_argument("--before", type=Path, help="a checkout of the code before (needed)")
    parser.add_argument("--after", type=Path, default=HERE.parent, help="default: this one")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--actions", default=",".join(ACTIONS), help=f"some of {','.join(ACTIONS)}")
    parser.add_argument(
        "--map-read", action="store_true", help="only the map's read in its job (no app)"
    )
    parser.add_argument("--child-map-read", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_map_read:
        map_read(args.project)
        return
    if args.before is None:
        parser.error("--before CHECKOUT is needed: the code before, run in turns with this")
    checkouts = {"before": args.before.resolve(), "after": args.after.resolve()}
    if args.map_read:
        map_reads(args.project, checkouts, args.rounds)
        return
    actions = tuple(a for a in args.actions.split(",") if a in ACTIONS)
    runs: dict[str, list[dict[str, dict[str, float]]]] = {"before": [], "after": []}
    for n in range(args.rounds):
        order = ["before", "after"] if n % 2 == 0 else ["after", "before"]
        for which in order:
            load = os.getloadavg()[0]
            figures = run_once(args.project, checkouts[which], actions)
            runs[which].append(figures)
            text = "  ".join(
                f"{a} {f['gap']:.2f} s (CPU {f['gap_cpu']:.2f}; p99 {f['p99'] / 1000:.2f} s; "
                f"GUI CPU until idle {f['busy']:.2f} s)"
                for a, f in figures.items()
            )
            print(f"round {n + 1} {which:<6} load {load:4.1f}: {text}", flush=True)
    print(
        "\nlongest stall, s (GUI-thread CPU in it, s; the gaps' p99, s; GUI-thread CPU from "
        "the call until idle, s): median of the rounds, before → after"
    )
    for action in actions:
        row = []
        for which in ("before", "after"):
            got = [r[action] for r in runs[which] if action in r]
            if not got:
                row.append("–")
                continue
            gap = statistics.median(f["gap"] for f in got)
            cpu = statistics.median(f["gap_cpu"] for f in got)
            p99 = statistics.median(f["p99"] for f in got) / 1000
            busy = statistics.median(f["busy"] for f in got)
            row.append(f"{gap:.2f} ({cpu:.2f}; {p99:.2f}; {busy:.2f})")
        print(f"  {action:<16} {row[0]} → {row[1]}")


if __name__ == "__main__":
    main()
