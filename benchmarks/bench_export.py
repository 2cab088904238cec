"""Exporting a 100,000-image project: seconds (wall and CPU) and peak memory per format,
against a plain ``shutil.copy2`` loop over the same files in the same run (issue: "export
formats").

The project is bench_gui.py's synthetic one (10 classes, train/val, 5 % unlabeled), built
once and reused. Each measurement runs in a fresh process, so its peak resident memory
(``ru_maxrss``) is its own:

  - baseline: ``shutil.copy2`` of every labeled, non-excluded image into OUT/<split>/<class>/
  - imagefolder, hard-linked (``--hardlink``: no bytes copied when on one file system)
  - parquet: OUT/labels.parquet + OUT/images/ (copies), with the model's columns
  - webdataset: tar shards of 10,000 images (the original bytes)

Every export goes through ``labeldesk.interop.export.export`` as ``labeldesk export`` does
(staging folder, manifest with file hashes, atomic rename). The figures are printed; the
outputs are deleted afterwards.

    python benchmarks/bench_export.py                     # 100,000 images
    python benchmarks/bench_export.py --images 5000       # quick run
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from synthetic_project import make_project

RUNS = ("copy2-loop", "imagefolder-hardlink", "parquet", "webdataset")


def measure(project: Path, out: Path, run: str) -> dict:
    """One run in a child process: {"seconds", "cpu_seconds", "peak_mb", "written"}."""
    cmd = [sys.executable, __file__, "--child", run, "--project", str(project), "--out", str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{run} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def child(run: str, project_path: Path, out: Path) -> None:
    import resource

    from labeldesk.core.project import open_project
    from labeldesk.interop.export import ExportOptions, export, select_items

    with open_project(project_path) as project:
        start, cpu_start = time.perf_counter(), time.process_time()
        if run == "copy2-loop":
            items = select_items(project, ExportOptions()).items
            for item in items:
                dest = out / item.split / (item.label or "_unlabeled") / Path(item.path).name
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(project.image_path(item.path), dest)
            written = len(items)
        else:
            fmt, link = {
                "imagefolder-hardlink": ("imagefolder", "hardlink"),
                "parquet": ("parquet", "copy"),
                "webdataset": ("webdataset", "copy"),
            }[run]
            report = export(project, out, fmt, ExportOptions(link=link))
            written = report.written
        seconds = time.perf_counter() - start
        cpu_seconds = time.process_time() - cpu_start  # every thread's, user and system
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    found = {"seconds": seconds, "cpu_seconds": cpu_seconds, "peak_mb": peak_kb / 1024}
    print(json.dumps({**found, "written": written}))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--images", type=int, default=100_000)
    parser.add_argument("--side", type=int, default=64, help="image width and height, px")
    parser.add_argument(
        "--data", type=Path, default=Path(tempfile.gettempdir()) / "labeldesk-bench"
    )
    parser.add_argument("--child", choices=RUNS, help=argparse.SUPPRESS)
    parser.add_argument("--project", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.project, args.out)
        return

    project, _, _ = make_project(args.data, args.images, args.side)
    print(f"project: {project} ({args.images:,} images of {args.side} px)")
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(dir=args.data) as tmp:
        for run in RUNS:
            out = Path(tmp) / run
            results[run] = measure(project, out, run)
            shutil.rmtree(out, ignore_errors=True)
    base = results["copy2-loop"]["seconds"]
    header = f"{'run':<22}{'images':>9}{'seconds':>10}{'CPU s':>8}{'img/s':>9}{'vs copy2':>10}"
    print(f"\n{header}{'peak MB':>9}")
    for run, r in results.items():
        rate = r["written"] / r["seconds"] if r["seconds"] else 0.0
        print(
            f"{run:<22}{r['written']:>9,}{r['seconds']:>10.1f}{r['cpu_seconds']:>8.1f}{rate:>9,.0f}"
            f"{base / r['seconds']:>9.2f}×{r['peak_mb']:>9.0f}"
        )


if __name__ == "__main__":
    main()
