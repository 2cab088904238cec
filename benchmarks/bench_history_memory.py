"""Peak memory and wall time of `labeldesk undo`, `redo` and `version diff` after a big
labeling batch.

For each N: a project of N unlabeled image rows without files (bench_label_import.py's
``build_project``), a version ``v0`` of it, then `labeldesk label --csv` of all N rows
(one batch, the file as bench_label_import.py writes it). Then, each the real command in
a child process whose own peak RSS is taken (bench_label_import.py's helper):

- ``undo``: the N labels taken back (one undo batch of N events);
- ``redo``: made again (one batch of N events);
- ``diff v0``: `version diff v0 current`: every image relabeled, all N listed with
  ``--json`` (the text lists 20 of each kind);
- ``diff v1``: `version diff v1 current` with ``v1`` made after the redo: N images,
  nothing changed (what comparing costs beside what it lists);
- ``api diff v0``: the notebook API's ``ld.version_diff(p, "v0")`` (what it returns
  held, every list read); ``api diff v0, 50 rows``: with ``limit=50`` (the counts and
  the first 50 rows of each kind); ``api rows v0``: every row read through
  ``ld.open_version_diff`` and dropped (an API without ``limit`` or
  ``open_version_diff`` measures as "n/a");
- ``gui diff v0``: View → Dataset versions (offscreen, no display) comparing ``v0`` with
  the labels now, up to the text it shows;
- ``one``: `undo` of a batch of one label (what any such command costs: Python, the
  project opened), then redone;
- ``export --version v0`` / ``v1``: what `export --version` reads before it writes a
  file (the version's images, labels, splits and where each is read from now, then the
  export's selection), in a child process: the bench's rows have no files to copy;
  ``--since v0`` with ``v1`` as well (both states compared).

The temp folders this makes are removed at the end.

    python benchmarks/bench_history_memory.py                    # N = 100k and 300k
    python benchmarks/bench_history_memory.py --sizes 1000000
    python benchmarks/bench_history_memory.py --only diff,api,gui   # those rows only
    # each row measured with another checkout's code too, on the same project:
    python benchmarks/bench_history_memory.py --before /path/to/older/checkout
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from itertools import product
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_label_import import _HELPER, _self_mb, build_project, image_path, rows_of, write_file


def code_env(checkout: str | None) -> dict[str, str] | None:
    """The environment that makes a child process import LabelDesk from ``checkout``
    (None: this one's); :func:`_spawn` also runs it there (``-c`` and ``-m`` put the
    folder a process starts in first on its path)."""
    if checkout is None:
        return None
    return {**os.environ, "PYTHONPATH": str(Path(checkout).resolve())}


def _spawn(cmd: list[str], env: dict[str, str] | None) -> subprocess.CompletedProcess:
    """``cmd`` under bench_label_import.py's helper (its peak RSS taken), with the code
    ``env`` names (:func:`code_env`)."""
    helper = [sys.executable, "-c", _HELPER, *cmd]
    cwd = env["PYTHONPATH"] if env else None
    return subprocess.run(helper, capture_output=True, text=True, env=env, cwd=cwd)


def run(*args: str, as_json: bool = True, env: dict[str, str] | None = None) -> dict:
    """``labeldesk ARGS [--json]`` in a child process: its exit code, seconds, peak KB
    (and the last 4,000 characters it printed)."""
    cmd = [sys.executable, "-m", "labeldesk", *args, *(["--json"] if as_json else [])]
    done = _spawn(cmd, env)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    result = json.loads(done.stdout)
    if result["rc"] != 0:
        raise SystemExit(f"{' '.join(args)}: exit {result['rc']}\n{result['stderr']}")
    return result


# `export --version NAME [--since OTHER]` up to the files: its selection of images
_SELECT = """
import sys
from labeldesk.core.project import open_project
from labeldesk.interop.selection import select_items
from labeldesk.interop.writing import ExportOptions
project = open_project(sys.argv[1])
options = ExportOptions(version=sys.argv[2], since=sys.argv[3] or None, include_unlabeled=True)
print(len(select_items(project, options).items))
"""


def select(project: str, version: str, since: str = "", env: dict | None = None) -> dict:
    """The selection `export --version` makes, in a child process, as :func:`run`."""
    cmd = [sys.executable, "-c", _SELECT, project, version, since]
    done = _spawn(cmd, env)
    result = json.loads(done.stdout)
    if done.returncode != 0 or result["rc"] != 0:
        raise SystemExit(f"select {version}: {done.stderr}{result['stderr']}")
    return result


# the notebook API's diff, held whole (or limited, or read row by row)
_API = """
import sys
import labeldesk as ld
p = ld.open_project(sys.argv[1])
how = sys.argv[3]
if how == "whole":
    d = ld.version_diff(p, sys.argv[2])
    print(sum(len(d[kind]) for kind in d["counts"]))
elif how == "rows":
    if not hasattr(ld, "open_version_diff"):
        print("n/a"); raise SystemExit
    with ld.open_version_diff(p, sys.argv[2]) as d:
        print(sum(1 for kind in d.counts for _ in d.rows(kind)))
else:
    try:
        d = ld.version_diff(p, sys.argv[2], limit=int(how))
    except TypeError:  # no limit=
        print("n/a"); raise SystemExit
    print(sum(len(d[kind]) for kind in d["counts"]))
"""

# View -> Dataset versions offscreen: compare a version with the labels now, as Compare does
_GUI = """
import os, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtWidgets import QApplication
from labeldesk.core.project import open_project
from labeldesk.gui.versions_view import VersionsView
app = QApplication([])
project = open_project(sys.argv[1])
view = VersionsView(project)
view.select(sys.argv[2])
failed = []
view.error.connect(failed.append)
view.compare()
while view.last_diff is None and not failed:
    app.processEvents()
    time.sleep(0.005)
if failed:
    sys.exit(failed[0])
print(len(view.diff_text.toPlainText().splitlines()))
view.shutdown()
"""


def child(script: str, *args: str, env: dict | None = None) -> dict:
    """``python -c SCRIPT ARGS`` in a child process, as :func:`run`."""
    cmd = [sys.executable, "-c", script, *args]
    done = _spawn(cmd, env)
    result = json.loads(done.stdout)
    if done.returncode != 0 or result["rc"] != 0:
        raise SystemExit(f"{args}: {done.stderr}{result['stderr']}")
    return result


def measure(n: int, only: tuple[str, ...] = (), before: str | None = None) -> list[tuple[str, ...]]:
    """The table's rows at ``n`` images (``only``: the rows whose command starts with
    one of these words; the label batch and the versions are made either way;
    ``before``: each row measured first with that checkout's code, "(before)")."""
    rows: list[tuple[str, ...]] = []
    codes = [(" (before)", code_env(before)), ("", None)] if before else [("", None)]

    def wanted(what: str) -> bool:
        return not only or what.startswith(only)

    def row(what: str, r: dict, check: str) -> None:
        rows.append((f"{n:,}", what, f"{r['seconds']:.1f}", f"{r['cpu']:.1f}",
                     f"{r['peak_kb'] / 1024:,.0f}", check))  # fmt: skip
        print("  " + "  ".join(rows[-1]), file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="ld-bench-history-") as tmp:
        folder = Path(tmp)
        project = str(build_project(folder, n))
        labels = folder / "labels.csv"
        write_file(labels, "csv", rows_of(n, bad=False))
        one = folder / "one.csv"
        one.write_text(f"path,label\n{image_path(0)},c1\n", encoding="utf-8")
        run("version", project, "create", "v0")
        row("label --csv", run("label", project, "--csv", str(labels)), "")
        if wanted("undo") or wanted("redo"):
            for code, env in codes:  # (each undo redone: the state is as it was)
                r = run("undo", project, env=env)
                row("undo" + code, r, f"{json.loads(r['stdout'])['events']:,} events")
                r = run("redo", project, env=env)
                row("redo" + code, r, f"{json.loads(r['stdout'])['events']:,} events")
        run("version", project, "create", "v1")
        for (code, env), name in product(codes, ("v0", "v1") if wanted("diff") else ()):
            # --json lists every change (too long to read back here); the text says
            # how many on its first line
            r = run("version", project, "diff", name, "current", env=env)
            row(f"diff {name} --json{code}", r, "")
            r = run("version", project, "diff", name, "current", as_json=False, env=env)
            row(f"diff {name}{code}", r, r["stdout"].splitlines()[0].split(": ", 1)[-1])
        for how, what in (("whole", "api diff v0"), ("50", "api diff v0, 50 rows"),
                          ("rows", "api rows v0")):  # fmt: skip
            for code, env in codes if wanted(what) else ():
                r = child(_API, project, "v0", how, env=env)
                said = r["stdout"].strip()
                row(what + code, r, "n/a" if said == "n/a" else f"{int(said):,} rows")
        for code, env in codes if wanted("gui") else ():
            r = child(_GUI, project, "v0", env=env)
            row("gui diff v0" + code, r, f"{r['stdout'].strip()} lines shown")
        exports = (("v0", ""), ("v1", ""), ("v1", "v0")) if wanted("export") else ()
        for (code, env), (name, since) in product(codes, exports):
            r = select(project, name, since, env=env)
            what = f"export --version {name}" + (f" --since {since}" if since else "")
            row(what + code, r, f"{int(r['stdout']):,} images")
        for code, env in codes if wanted("one") else ():
            run("label", project, "--csv", str(one))
            r = run("undo", project, env=env)
            row("one: undo" + code, r, f"{json.loads(r['stdout'])['events']} event")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100000,300000")
    parser.add_argument("--only", default="", help="rows to measure, e.g. diff,api,gui")
    parser.add_argument("--before", help="a checkout whose code is measured too")
    args = parser.parse_args()
    only = tuple(w.strip() for w in args.only.split(",") if w.strip())
    head = ("N", "command", "wall s", "cpu s", "peak MB", "")
    table = [head]
    for n in (int(s) for s in args.sizes.split(",") if s):
        table += measure(n, only, args.before)
    widths = [max(len(r[i]) for r in table) for i in range(len(head))]
    for r in table:
        print("  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)))
    print(f"(peak RSS of each `labeldesk` process; max RSS here {_self_mb():,.0f} MB)")


if __name__ == "__main__":
    main()
