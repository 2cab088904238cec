"""Peak memory and wall time of `labeldesk export` at 100k-1M images, per format.

The projects are scale_project.py's image trees (tiny distinct PNGs, 10 classes,
train/val, 5 % unlabeled; a smaller size hard-links the first N files of the largest),
indexed by its ``index_fast`` (the real scanner and writer, no decoding) and given no
vectors: ImageFolder and CSV ask nothing of the model. Built once under DATA and reused.

Each export is the real command in a child process whose own peak RSS is taken
(bench_label_import.py's helper), writing into a fresh folder that is deleted after it.

    python benchmarks/bench_export_memory.py                       # 100k and 300k
    python benchmarks/bench_export_memory.py --sizes 1000000 --formats csv
    python benchmarks/bench_export_memory.py --before /path/to/older/checkout  # both codes
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from itertools import product
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_history_memory import _spawn, code_env
from bench_label_import import _self_mb
from scale_project import index_fast, link_images, make_images


def build(data: Path, sizes: list[int], largest: int) -> dict[int, Path]:
    """Each size's project (indexed once): {n: project folder}."""
    full = data / f"images-{largest}"
    if any(not (data / f"n{n}" / "indexed").exists() for n in sizes):
        make_images(full, largest)
    out: dict[int, Path] = {}
    for n in sizes:
        base = data / f"n{n}"
        images = full if n == largest else base / "images"
        if n != largest:
            link_images(full, images, n)
        project = base / "project"
        if not (base / "indexed").exists():
            shutil.rmtree(project, ignore_errors=True)
            base.mkdir(parents=True, exist_ok=True)
            print(f"indexing {n:,} images …", file=sys.stderr)
            index_fast(project, images)
            (base / "indexed").touch()
        out[n] = project
    return out


def export(project: Path, out: Path, fmt: str, env: dict[str, str] | None = None) -> dict:
    """`labeldesk export PROJECT OUT --format FMT --json` in a child process (with the
    code ``env`` names: bench_history_memory.code_env): its seconds, CPU, peak KB and
    the images it wrote; OUT is removed afterwards."""
    cmd = [sys.executable, "-m", "labeldesk", "export", str(project), str(out)]
    cmd += ["--format", fmt, "--include-unlabeled", "--json"]
    done = _spawn(cmd, env)
    shutil.rmtree(out, ignore_errors=True)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    result = json.loads(done.stdout)
    if result["rc"] != 0:
        raise SystemExit(f"export {fmt}: exit {result['rc']}\n{result['stderr']}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100000,300000")
    parser.add_argument("--formats", default="imagefolder,csv")
    parser.add_argument("--largest", type=int, default=1_000_000, help="the image tree's size")
    parser.add_argument("--data", type=Path, default=Path("/tmp/labeldesk-export-scale"))
    parser.add_argument("--before", help="a checkout whose code is measured too")
    args = parser.parse_args()
    codes = [(" (before)", code_env(args.before)), ("", None)] if args.before else [("", None)]
    sizes = [int(s) for s in args.sizes.split(",") if s]
    projects = build(args.data, sizes, max(args.largest, *sizes))
    head = ("N", "format", "wall s", "cpu s", "peak MB", "written", "peak bytes/image")
    table = [head]
    for n in sizes:
        for fmt, (code, env) in product(args.formats.split(","), codes):
            r = export(projects[n], args.data / f"out-{n}-{fmt}", fmt, env)
            written = json.loads(r["stdout"])["written"]
            table.append((f"{n:,}", fmt + code, f"{r['seconds']:.1f}", f"{r['cpu']:.1f}",
                          f"{r['peak_kb'] / 1024:,.0f}", f"{written:,}",
                          f"{r['peak_kb'] * 1024 / n:,.0f}"))  # fmt: skip
            print("  " + "  ".join(table[-1]), file=sys.stderr, flush=True)
    widths = [max(len(r[i]) for r in table) for i in range(len(head))]
    for r in table:
        print("  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)))
    print(f"(peak RSS of each `labeldesk export` process; max RSS here {_self_mb():,.0f} MB)")


if __name__ == "__main__":
    main()
