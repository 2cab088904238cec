"""Peak memory and wall time of `labeldesk import` of a big label file, in every format
that holds a million rows.

For each N: a project of N image rows (inserted directly, as bench_id_lookup.py does:
matching a label file needs no image files), unlabeled, 10 classes; then label files of N
rows, the same rows in each format (``--formats``): ``csv`` (``path,label,split``),
``jsonl`` (one object a line), ``json`` (one document: a list of ``{path, label,
split}`` objects), ``parquet`` (three string columns) and ``labelstudio`` (a Label Studio
JSON export: a list of tasks, a local-files image and one annotation each); per file,
two runs of the real command in a child process:

- ``good``: every row is good, all N labels are applied (one batch), then undone so the
  next run starts from the same project;
- ``bad``: the same file with its last row naming an unknown class: nothing may change,
  the command lists the bad row and exits 1 (the all-or-nothing path: read and match
  everything, write nothing);
- ``one``: a file of one row, what any import costs (Python, the project opened).

Peak RSS is the child's own (``ru_maxrss`` of RUSAGE_CHILDREN, taken from a fresh
helper process per run so that one run's peak does not hide the next's). Figures are
printed as a table; the temp folders this makes are removed at the end.

    python benchmarks/bench_label_import.py                      # N = 100k and 1M, all
    python benchmarks/bench_label_import.py --sizes 100000 --formats csv
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

CLASSES = [f"c{k}" for k in range(10)]
SPLITS = ("train", "val", "test")


def image_path(i: int) -> str:
    return f"{SPLITS[i % 3]}/c{i % 10}/img{i:07d}.jpg"


def build_project(folder: Path, n: int) -> Path:
    """A project of ``n`` unlabeled image rows without files (seconds are not counted)."""
    from labeldesk.core.project import Project

    images = folder / "images"
    images.mkdir()
    project = Project.create(folder / "project", images, classes=CLASSES)
    now = time.time()
    with project.db.write() as conn:  # a benchmark's fixture: rows without files
        conn.executemany(
            "INSERT INTO images(path, size, mtime_ns, hash, indexed_at) VALUES (?, 1, 0, ?, ?)",
            ((image_path(i), f"{i:064x}", now) for i in range(n)),
        )
    project.close()
    return folder / "project"


FORMATS = ("csv", "jsonl", "json", "parquet", "labelstudio")
FILE_NAMES = {"labelstudio": "tasks{}.json"}  # (the other formats: labels{}.FORMAT)


def rows_of(n: int, bad: bool) -> Iterator[tuple[str, str, str]]:
    """(path, label, split) of the file's ``n`` rows; ``bad``: the last names no class."""
    for i in range(n):
        label = "no_such_class" if bad and i == n - 1 else CLASSES[(i * 7) % 10]
        yield image_path(i), label, SPLITS[i % 3]


def _task(path: str, label: str, split: str) -> dict:
    """A Label Studio task as its JSON export writes one (local-files storage, one
    annotation with its choice)."""
    choice = {"from_name": "choice", "to_name": "image", "type": "choices"}
    result = [{**choice, "value": {"choices": [label]}}]
    return {
        "data": {"image": f"/data/local-files/?d={path}", "split": split},
        "annotations": [{"result": result, "was_cancelled": False}],
    }


def write_file(file: Path, fmt: str, rows: Iterator[tuple[str, str, str]]) -> None:
    """``rows`` as a label file of format ``fmt`` (see :data:`FORMATS`)."""
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        paths, labels, splits = zip(*rows, strict=True)
        table = {"path": list(paths), "label": list(labels), "split": list(splits)}
        pq.write_table(pa.Table.from_pydict(table), file)
        return
    with open(file, "w", encoding="utf-8", newline="") as f:
        if fmt == "csv":
            f.write("path,label,split\n")
            f.writelines(f"{p},{lab},{s}\n" for p, lab, s in rows)
        elif fmt == "jsonl":
            f.writelines(
                json.dumps({"path": p, "label": lab, "split": s}) + "\n" for p, lab, s in rows
            )
        else:  # a single JSON document: a list of objects, or of Label Studio tasks
            f.write("[\n")
            for k, (p, lab, s) in enumerate(rows):
                item = (
                    _task(p, lab, s)
                    if fmt == "labelstudio"
                    else {"path": p, "label": lab, "split": s}
                )
                f.write(("" if k == 0 else ",\n") + json.dumps(item))
            f.write("\n]\n")


def write_files(
    folder: Path, n: int, formats: list[str]
) -> tuple[dict[str, tuple[Path, Path]], Path]:
    """Per format, (the good file, the same with its last row naming an unknown class),
    and a file of one row ("one": what any import costs, the project opened)."""
    out: dict[str, tuple[Path, Path]] = {}
    one = folder / "one.csv"
    one.write_text(f"path,label\n{image_path(0)},c1\n", encoding="utf-8")
    for fmt in formats:
        name = FILE_NAMES.get(fmt, "labels{}." + fmt)
        good, bad = folder / name.format(""), folder / name.format("_bad")
        write_file(good, fmt, rows_of(n, bad=False))
        write_file(bad, fmt, rows_of(n, bad=True))
        out[fmt] = (good, bad)
    return out, one


# A fresh helper per run: ru_maxrss of RUSAGE_CHILDREN is the largest of all children
# waited for, so each run is waited for by a process that waited for nothing else.
_HELPER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.run(sys.argv[1:], capture_output=True, text=True)
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": proc.returncode, "seconds": seconds,
                  "peak_kb": usage.ru_maxrss, "cpu": usage.ru_utime + usage.ru_stime,
                  "stdout": proc.stdout[-4000:], "stderr": proc.stderr[-2000:]}))
"""


def run_import(project: Path, file: Path) -> dict:
    cmd = [sys.executable, "-m", "labeldesk", "import", str(project), str(file), "--json"]
    done = subprocess.run([sys.executable, "-c", _HELPER, *cmd], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout)


def undo(project: Path) -> None:
    cmd = [sys.executable, "-m", "labeldesk", "undo", str(project)]
    subprocess.run(cmd, check=True, capture_output=True)


def measure(n: int, formats: list[str], keep: bool) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    with tempfile.TemporaryDirectory(prefix="ld-bench-import-") as tmp:
        folder = Path(tmp)
        project = build_project(folder, n)
        files, one = write_files(folder, n, formats)
        r = run_import(project, one)
        undo(project)
        rows.append((f"{n:,}", "csv", "0.0", "one", f"{r['seconds']:.1f}", f"{r['cpu']:.1f}",
                     f"{r['peak_kb'] / 1024:,.0f}", "-"))  # fmt: skip
        print("  " + "  ".join(rows[-1]), file=sys.stderr, flush=True)
        for fmt, (good, bad) in files.items():
            mb = good.stat().st_size / 1e6
            for case, file in (("good", good), ("bad", bad)):
                r = run_import(project, file)
                expect = 0 if case == "good" else 1
                if r["rc"] != expect:
                    raise SystemExit(f"{case} {fmt}: exit {r['rc']}, expected {expect}\n{r}")
                if case == "good":
                    applied = json.loads(r["stdout"])["applied"]
                    if applied != n:
                        raise SystemExit(f"{fmt}: {applied} applied, expected {n}")
                    undo(project)
                elif "no_such_class" not in r["stdout"] + r["stderr"]:
                    raise SystemExit(f"{fmt}: the bad row is not reported\n{r}")
                peak_mb = r["peak_kb"] / 1024
                rows.append(
                    (
                        f"{n:,}",
                        fmt,
                        f"{mb:.1f}",
                        case,
                        f"{r['seconds']:.1f}",
                        f"{r['cpu']:.1f}",
                        f"{peak_mb:,.0f}",
                        f"{peak_mb / mb:.1f}",
                    )
                )
                print("  " + "  ".join(rows[-1]), file=sys.stderr, flush=True)
        if keep:
            input(f"kept {tmp}; press Enter to remove it")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--keep", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    formats = [f for f in args.formats.split(",") if f]
    head = ("N", "format", "file MB", "rows", "wall s", "cpu s", "peak MB", "peak/file")
    table = [head]
    for n in (int(s) for s in args.sizes.split(",") if s):
        table += measure(n, formats, args.keep)
    widths = [max(len(r[i]) for r in table) for i in range(len(head))]
    for r in table:
        print("  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)))
    print(f"(peak RSS of the `labeldesk import` process; max RSS here {_self_mb():,.0f} MB)")


def _self_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
