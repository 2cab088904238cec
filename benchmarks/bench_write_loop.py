"""Many small writes through the Python API, one at a time: what each write costs.

Copies a project (``PROJECT``, e.g. one of bench_scale.py's ``--data`` projects; the
copy is the one written to, removed at the end) and calls ``Project.set_label`` on
``--writes`` images one after another, each its own durable transaction, as a script
labeling images in a loop does; then ``--reads`` single-image reads
(``Project.history`` of one image). Prints wall and CPU time per call (CPU is the
figure to compare on shared cores: each write's fsync waits on the disk, not the CPU),
and the load average.

Before/after a change to the write path: run it with ``PYTHONPATH`` set to a checkout of
each, from a folder outside both (the current folder comes first on ``sys.path``).

    python benchmarks/bench_write_loop.py /tmp/labeldesk-scale/n100000/project
    python benchmarks/bench_write_loop.py PROJECT --writes 2000 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path


def copy_project(source: Path, target: Path) -> None:
    """The project folder's files, the database through SQLite's backup (consistent even
    with a WAL beside it)."""
    target.mkdir(parents=True)
    for item in source.iterdir():
        if item.name.startswith("labeldesk.db"):
            continue
        if item.is_dir():
            shutil.copytree(item, target / item.name)
        else:
            shutil.copy2(item, target / item.name)
    src = sqlite3.connect(source / "labeldesk.db")
    dst = sqlite3.connect(target / "labeldesk.db")
    with dst:
        src.backup(dst)
    src.close()
    dst.close()


def one_run(project: Path, writes: int, reads: int) -> dict:
    from labeldesk.core.project import open_project

    proj = open_project(project)
    frame = proj.images()
    classes = sorted({str(c) for c in frame.label.dropna().unique()})[:2]
    paths = [str(p) for p in frame.path.iloc[:writes]]
    t, cpu = time.perf_counter(), time.process_time()
    for i, path in enumerate(paths):
        proj.set_label(path, classes[i % 2])
    write_wall, write_cpu = time.perf_counter() - t, time.process_time() - cpu
    t, cpu = time.perf_counter(), time.process_time()
    for path in paths[:reads]:
        proj.history(path)
    read_wall, read_cpu = time.perf_counter() - t, time.process_time() - cpu
    proj.close()
    return {
        "writes": len(paths),
        "write_ms": 1000 * write_wall / max(1, len(paths)),
        "write_cpu_ms": 1000 * write_cpu / max(1, len(paths)),
        "reads": min(reads, len(paths)),
        "read_ms": 1000 * read_wall / max(1, min(reads, len(paths))),
        "read_cpu_ms": 1000 * read_cpu / max(1, min(reads, len(paths))),
        "load": os.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("project", type=Path)
    parser.add_argument("--writes", type=int, default=2000)
    parser.add_argument("--reads", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    import labeldesk

    print(f"labeldesk from {Path(labeldesk.__file__).parent}")
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory(prefix="write-loop-") as tmp:
            copy = Path(tmp) / "project"
            copy_project(args.project, copy)
            figures = one_run(copy, args.writes, args.reads)
        print(json.dumps({k: round(v, 3) if isinstance(v, float) else v
                          for k, v in figures.items()}))  # fmt: skip


if __name__ == "__main__":
    main()
