"""How long the light commands take to start and finish, and what they import.

`labeldesk --help`, `classes P`, `label P PATH LABEL`, `version P list` and `stats P` (a
project with no fine-tune awaiting its embeddings) only read or write the project's
database; each is run ``--runs`` times (a fresh process each time) and the median
wall-clock and CPU time (user + system, of the child) are printed, with the heavy
libraries the command imported (from one more run under ``python -X importtime``) and
how many modules it imported in all. ``--before PATH`` runs the same commands from
another checkout (e.g. ``/work/main``) in the same run, interleaved, for a fair
comparison on a busy machine; ``--only TITLE`` runs one of them.

    python benchmarks/bench_cli_startup.py [--runs 5] [--before /path/to/other/checkout]
        [--only TITLE]

The project is a small one made here (24 images) in a temporary folder, one per checkout.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
HEAVY = ("numpy", "pandas", "torch", "PIL", "faiss", "ray", "PySide6", "scipy", "sklearn", "timm")
IMAGE = "train/a/img0.png"


def make_images(root: Path) -> None:
    """train/a, train/b and _unlabeled, 8 small PNGs each."""
    from PIL import Image

    for n, folder in enumerate(("train/a", "train/b", "_unlabeled")):
        (root / folder).mkdir(parents=True)
        for i in range(8):
            colour = (30 * i, 80 * n, 255 - 30 * i)
            Image.new("RGB", (32, 32), colour).save(root / folder / f"img{i}.png")


def commands(project: Path) -> dict[str, list[str]]:
    p = str(project)
    return {
        "--help": ["--help"],
        "classes P": ["classes", p],
        "label P IMG LABEL": ["label", p, IMAGE, "b"],  # (a or b in turn: each run writes)
        "version P list": ["version", p, "list"],
        "stats P": ["stats", p],
    }


def run(checkout: Path, argv: list[str], *, importtime: bool = False) -> tuple[float, float, str]:
    """Wall and CPU seconds of ``python -m labeldesk ARGV`` from ``checkout``; its stderr."""
    env = dict(os.environ, PYTHONPATH=str(checkout))  # (cwd: `-m` puts it first on the path)
    flags = ["-X", "importtime"] if importtime else []
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *flags, "-m", "labeldesk", *argv],
        env=env,
        cwd=tempfile.gettempdir(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{checkout}: labeldesk {' '.join(argv)} failed:\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stderr


def imported(checkout: Path, argv: list[str]) -> tuple[int, list[str]]:
    """How many modules the command imports, and which of :data:`HEAVY`."""
    _, _, err = run(checkout, argv, importtime=True)
    names = {
        line.split("|")[2].strip()
        for line in err.splitlines()
        if line.startswith("import time:") and "imported package" not in line
    }
    return len(names), [m for m in HEAVY if m in names]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--before", type=Path, help="another checkout to compare with")
    parser.add_argument("--only", help="one command's title, e.g. 'stats P'")
    args = parser.parse_args()
    checkouts = {"this": HERE}
    if args.before:
        checkouts = {"before": args.before.resolve(), "this": HERE}
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        images = Path(tmp) / "images"
        make_images(images)
        projects = {}
        for name, checkout in checkouts.items():
            projects[name] = Path(tmp) / f"proj-{name}"
            run(checkout, ["new", str(projects[name]), "--images", str(images), "--workers", "1"])
        print(f"python {sys.version.split()[0]}, {args.runs} runs each, medians")
        print(f"{'command':<20} {'checkout':<8} {'wall s':>7} {'cpu s':>7} {'modules':>8}  heavy")
        for title in commands(Path("P")):
            if args.only and title != args.only:
                continue
            times: dict[str, list[tuple[float, float]]] = {name: [] for name in checkouts}
            for i in range(args.runs):
                for name, checkout in checkouts.items():  # interleaved
                    argv = commands(projects[name])[title]
                    if title.startswith("label"):
                        argv = [*argv[:-1], "ab"[i % 2]]
                    wall, cpu, _ = run(checkout, argv)
                    times[name].append((wall, cpu))
            for name, checkout in checkouts.items():
                count, heavy = imported(checkout, commands(projects[name])[title])
                wall = statistics.median(t[0] for t in times[name])
                cpu = statistics.median(t[1] for t in times[name])
                print(
                    f"{title:<20} {name:<8} {wall:7.3f} {cpu:7.3f} {count:8d}  "
                    f"{', '.join(heavy) or '-'}"
                )


if __name__ == "__main__":
    main()
