"""`labeldesk version PROJECT verify` of a WebDataset export: seconds, bytes read and
peak memory (issue: "verify reads WebDataset shards three times").

The project is bench_gui.py's synthetic one (synthetic_project.py: 10 classes,
train/val, 5 % unlabeled), built once and reused; a version ``v1`` of it is recorded and
exported as WebDataset (``--shard-size`` images a shard, ``--include-unlabeled``). Then
the export is verified ``--runs`` times, each in a fresh process (``labeldesk version
PROJECT verify v1 OUT --json``, after a ``version list`` that imports the code and
opens the project), with what the verify read through ``read()`` (``rchar`` in
/proc/self/io: every byte read, from the page cache or the disk) and the process's peak
resident memory, and the CPU seconds of the verify (less affected by a busy machine than
its wall seconds). Give the code to measure with ``PYTHONPATH`` (a worktree of the
commit before, then this one) to compare; the printed ``shards read`` is the bytes read
over the shards' total size.

    python benchmarks/bench_verify_shards.py --images 3000
    PYTHONPATH=/path/to/old/worktree python benchmarks/bench_verify_shards.py --images 3000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from synthetic_project import make_project

CHILD = """
import contextlib, io, json, resource, sys, time
from labeldesk.cli import main

def read_so_far():
    io_stats = dict(line.split(": ") for line in open("/proc/self/io").read().splitlines())
    return int(io_stats["rchar"])

with contextlib.redirect_stdout(io.StringIO()):  # (imports and the project's first read)
    main(["version", sys.argv[1], "list"])
before = read_so_far()
usage = resource.getrusage(resource.RUSAGE_SELF)
cpu = usage.ru_utime + usage.ru_stime
start = time.perf_counter()
code = main(["version", sys.argv[1], "verify", "v1", sys.argv[2], "--json"])
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"code": code, "seconds": seconds, "rchar": read_so_far() - before,
                  "cpu": usage.ru_utime + usage.ru_stime - cpu,
                  "peak_mb": usage.ru_maxrss / 1024}))
"""


def run_labeldesk(*args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "labeldesk", *args], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"labeldesk {' '.join(args)} failed:\n{done.stderr}")


def measure(project: Path, out: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(project), str(out)], capture_output=True, text=True
    )
    lines = done.stdout.strip().splitlines()
    if not lines:
        raise SystemExit(f"verify failed:\n{done.stderr}")
    found = json.loads(lines[-1])  # (the verify's own document comes first)
    verdict = json.loads("\n".join(lines[:-1]))
    found["ok"] = verdict.get("ok")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--images", type=int, default=3000)
    parser.add_argument("--side", type=int, default=64, help="image width and height, px")
    parser.add_argument("--shard-size", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--data", type=Path, default=Path("/tmp/labeldesk_bench"), help="where projects live"
    )
    args = parser.parse_args()
    project, _, _ = make_project(args.data, args.images, args.side)
    out = args.data / f"verify-wds-{args.images}"
    if not (out / "labeldesk-export.json").is_file():
        run_labeldesk("version", str(project), "create", "v1")
        run_labeldesk("export", str(project), str(out), "--format", "webdataset",
                      "--version", "v1", "--include-unlabeled",
                      "--shard-size", str(args.shard_size))  # fmt: skip
    shards = sorted(out.glob("*.tar"))
    shard_bytes = sum(p.stat().st_size for p in shards)
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    code = os.environ.get("PYTHONPATH", "(installed labeldesk)")
    print(f"code: {code}")
    print(f"export: {out} ({len(shards)} shards, {shard_bytes / 1e6:.1f} MB; all files "
          f"{total / 1e6:.1f} MB)")  # fmt: skip
    print(
        f"{'run':>4}{'ok':>6}{'seconds':>9}{'CPU s':>7}{'MB read':>9}{'shards read':>13}"
        f"{'peak MB':>9}"
    )
    for n in range(1, args.runs + 1):
        time.sleep(0.2)
        r = measure(project, out)
        print(
            f"{n:>4}{r['ok']!s:>6}{r['seconds']:>9.2f}{r['cpu']:>7.2f}{r['rchar'] / 1e6:>9.1f}"
            f"{r['rchar'] / shard_bytes:>12.2f}×{r['peak_mb']:>9.0f}"
        )


if __name__ == "__main__":
    main()
