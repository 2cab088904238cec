"""How long `labeldesk embed` (on this machine, no cluster) takes to end after its last line.

A command that loaded the model has PyTorch (or OpenVINO / ONNX Runtime) and the rest
loaded, and the Python interpreter's teardown, its last garbage collections over all of
that, kept the process going after the command had said everything.

Each round embeds a fresh copy of a small project (``--per-class`` images of each class
folder of the bundled sample, 80 by default) with the command line, and measures from
the command's last line (its summary) to the end of its process: wall time, and CPU (the
process's own, read from /proc as the last line arrives, and at its end from
``os.wait4``). With ``--before PATH`` (a checkout of the code before, with its own
virtual environment in PATH/.venv, e.g. a `git worktree` of main), the rounds alternate
between the two.

    python benchmarks/bench_embed_exit.py [--rounds 3] [--per-class 4] [--before /path/to/main]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from exit_timing import after_last_line, print_medians

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "fashion"


def one(labeldesk: Path, project: Path) -> tuple[float, float, str]:
    """(wall s, CPU s) from the command's last line to its end, and that line."""
    return after_last_line([str(labeldesk), "embed", str(project)], cwd=project.parent)


def small_sample(target: Path, per_class: int) -> None:
    """The first ``per_class`` files of each class folder of the sample, same layout."""
    for folder in sorted(p for p in SAMPLE.glob("*/*") if p.is_dir()):
        into = target / folder.relative_to(SAMPLE)
        into.mkdir(parents=True)
        for image in sorted(folder.iterdir())[:per_class]:
            shutil.copy2(image, into / image.name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--per-class", type=int, default=4)
    parser.add_argument("--before", type=Path, help="a checkout of the code before")
    args = parser.parse_args()
    roots = {"this code": ROOT} | ({"before": args.before.resolve()} if args.before else {})
    work = Path(tempfile.mkdtemp(prefix="bench_embed_exit"))
    seen: dict[str, list[tuple[float, float]]] = {name: [] for name in roots}
    try:
        small_sample(work / "images", args.per_class)
        made = subprocess.run(
            [str(ROOT / ".venv" / "bin" / "labeldesk"), "new", str(work / "project"),
             "--images", str(work / "images")],
            capture_output=True, text=True,
        )  # fmt: skip
        if made.returncode != 0:
            raise SystemExit(f"labeldesk new failed: {made.stderr}")
        print(f"load {os.getloadavg()[0]:.1f}", flush=True)
        for i in range(args.rounds):
            for name, root in roots.items():
                copy = work / f"{name.replace(' ', '_')}{i}"
                shutil.copytree(work / "project", copy)
                wall, cpu, last = one(root / ".venv" / "bin" / "labeldesk", copy)
                seen[name].append((wall, cpu))
                print(f"round {i + 1} {name}: {wall:.2f} s wall, {cpu:.2f} s CPU after the "
                      f"last line ({last[:60]}…)", flush=True)  # fmt: skip
        print_medians(seen)
        print(f"load {os.getloadavg()[0]:.1f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
