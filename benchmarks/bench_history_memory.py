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
- ``one``: `undo` of a batch of one label (what any such command costs: Python, the
  project opened), then redone;
- ``export --version v0`` / ``v1``: what `export --version` reads before it writes a
  file (the version's images, labels, splits and where each is read from now, then the
  export's selection), in a child process: the bench's rows have no files to copy;
  ``--since v0`` with ``v1`` as well (both states compared).

The temp folders this makes are removed at the end.

    python benchmarks/bench_history_memory.py                    # N = 100k and 300k
    python benchmarks/bench_history_memory.py --sizes 1000000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_label_import import _HELPER, _self_mb, build_project, image_path, rows_of, write_file


def run(*args: str, as_json: bool = True) -> dict:
    """``labeldesk ARGS [--json]`` in a child process: its exit code, seconds, peak KB
    (and the last 4,000 characters it printed)."""
    cmd = [sys.executable, "-m", "labeldesk", *args, *(["--json"] if as_json else [])]
    done = subprocess.run([sys.executable, "-c", _HELPER, *cmd], capture_output=True, text=True)
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


def select(project: str, version: str, since: str = "") -> dict:
    """The selection `export --version` makes, in a child process, as :func:`run`."""
    cmd = [sys.executable, "-c", _SELECT, project, version, since]
    done = subprocess.run([sys.executable, "-c", _HELPER, *cmd], capture_output=True, text=True)
    result = json.loads(done.stdout)
    if done.returncode != 0 or result["rc"] != 0:
        raise SystemExit(f"select {version}: {done.stderr}{result['stderr']}")
    return result


def measure(n: int) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []

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
        r = run("undo", project)
        row("undo", r, f"{json.loads(r['stdout'])['events']:,} events")
        r = run("redo", project)
        row("redo", r, f"{json.loads(r['stdout'])['events']:,} events")
        run("version", project, "create", "v1")
        for name in ("v0", "v1"):
            # --json lists every change (too long to read back here); the text says
            # how many on its first line
            row(f"diff {name} --json", run("version", project, "diff", name, "current"), "")
            r = run("version", project, "diff", name, "current", as_json=False)
            row(f"diff {name}", r, r["stdout"].splitlines()[0].split(": ", 1)[-1])
        for name, since in (("v0", ""), ("v1", ""), ("v1", "v0")):
            r = select(project, name, since)
            what = f"export --version {name}" + (f" --since {since}" if since else "")
            row(what, r, f"{int(r['stdout']):,} images")
        run("label", project, "--csv", str(one))
        r = run("undo", project)
        row("one: undo", r, f"{json.loads(r['stdout'])['events']} event")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100000,300000")
    args = parser.parse_args()
    head = ("N", "command", "wall s", "cpu s", "peak MB", "")
    table = [head]
    for n in (int(s) for s in args.sizes.split(",") if s):
        table += measure(n)
    widths = [max(len(r[i]) for r in table) for i in range(len(head))]
    for r in table:
        print("  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)))
    print(f"(peak RSS of each `labeldesk` process; max RSS here {_self_mb():,.0f} MB)")


if __name__ == "__main__":
    main()
