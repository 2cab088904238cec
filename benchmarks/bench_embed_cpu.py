"""CPU seconds per image: `labeldesk embed` end to end against the engine alone.

On a shared, loaded machine wall-clock rates move with the neighbours; CPU time moves
much less. Each measurement runs in a fresh process (so its decode workers' CPU is
counted, from ``RUSAGE_CHILDREN`` once they are reaped): ``model`` pushes pre-decoded
uint8 pixels through the engine `labeldesk embed` loads (OpenVINO on the CPU) at its
batch; ``embed`` embeds a freshly indexed project with ``embed_project`` and splits the
command's CPU into setup (loading the model, preparing the engine), the embedding loop
(decoding, the model, the store's writes: what ``model`` is compared with) and the search
index built at the end. ``--before TREE`` runs the same measurements with another
checkout of LabelDesk on PYTHONPATH (the code before a change), alternating with this one
trial by trial.

``--env NAME=VALUE`` (repeatable) adds a variant: this checkout with those variables set
in the measured processes (OMP_WAIT_POLICY=PASSIVE, say), alternating with the others.

    python benchmarks/bench_embed_cpu.py [-n 512] [--repeat 3] [--before /path/to/old/checkout]
                                         [--env OMP_WAIT_POLICY=PASSIVE]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def cpu_now() -> tuple[float, float]:
    """(this process's CPU seconds, its reaped children's)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def child_model(folder: Path, out: dict) -> None:
    from labeldesk.ml.backbones import load_backbone
    from labeldesk.ml.preprocess import prepare
    from labeldesk.ml.runtime import RUNTIME_BATCH, load_runner

    backbone = load_backbone()
    paths = sorted(p for p in folder.rglob("*") if p.suffix in (".png", ".jpg"))
    pixels = np.stack([prepare(p, backbone.identity.preprocess) for p in paths])
    runner = load_runner(backbone, "cpu")
    runner.features(pixels[:RUNTIME_BATCH])  # warm-up
    (me0, _), wall0 = cpu_now(), time.perf_counter()
    for i in range(0, len(pixels), RUNTIME_BATCH):
        runner.features(pixels[i : i + RUNTIME_BATCH])
    (me1, _), wall1 = cpu_now(), time.perf_counter()
    out.update(images=len(pixels), loop_cpu=me1 - me0, loop_wall=wall1 - wall0)
    out["engine"] = f"{runner.name} {runner.precision}"


def child_embed(folder: Path, work: Path, out: dict) -> None:
    from labeldesk.core.create import create_and_index
    from labeldesk.ml import embed
    from labeldesk.ml.backbones import load_backbone

    project, _ = create_and_index(work / "project", folder)
    backbone = load_backbone()
    spans: dict[str, list[float]] = {}

    def timed(name: str, fn):
        def wrapper(*args, **kwargs):
            me0, kids0 = cpu_now()
            wall0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                me1, kids1 = cpu_now()
                spans[name] = [me1 - me0 + kids1 - kids0, time.perf_counter() - wall0]

        return wrapper

    embed._embed_missing = timed("loop", embed._embed_missing)
    embed.ready_for_search = timed("index", embed.ready_for_search)
    me0, kids0 = cpu_now()
    wall0 = time.perf_counter()
    report = embed.embed_project(project, device="cpu", backbone=backbone)
    me1, kids1 = cpu_now()
    project.close()
    out.update(
        images=report.embedded,
        total_cpu=me1 - me0 + kids1 - kids0,
        total_wall=time.perf_counter() - wall0,
        loop_cpu=spans["loop"][0],
        loop_wall=spans["loop"][1],
        index_cpu=spans.get("index", [0.0, 0.0])[0],
        engine=f"{report.runtime} {report.precision}",
    )


def measure(tree: Path, kind: str, folder: Path, work: Path, extra: dict | None = None) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree), **(extra or {})}
    cmd = [sys.executable, __file__, "--child", kind, "--folder", str(folder), "--work", str(work)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{kind} with {tree} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=512)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--before", type=Path, action="append", default=[],
        help="another checkout: the code before (repeat to compare several)",
    )  # fmt: skip
    parser.add_argument("--sets", default="fashion,photos")
    parser.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE",
        help="also run this checkout with these variables set (repeatable; one variant)",
    )  # fmt: skip
    parser.add_argument(
        "--data", type=Path, default=Path(tempfile.gettempdir()) / "labeldesk-bench"
    )
    parser.add_argument("--child", choices=["model", "embed"], help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        out: dict = {}
        if args.child == "model":
            child_model(args.folder, out)
        else:
            child_embed(args.folder, args.work, out)
        print(json.dumps(out))
        return
    from bench_embed import fashion_folder
    from bench_index import make_dataset

    args.data.mkdir(parents=True, exist_ok=True)
    trees = {"this": HERE.parent}
    for i, before in enumerate(args.before):
        trees = {**trees, f"before{i + 1}" if len(args.before) > 1 else "before": before.resolve()}
    trees = {**{k: v for k, v in trees.items() if k != "this"}, "this": trees["this"]}
    extras: dict[str, dict[str, str]] = {}
    if args.env:
        extras["+env"] = dict(item.split("=", 1) for item in args.env)
        trees["+env"] = HERE.parent
        print("+env: this checkout with " + " ".join(args.env))
    folders = {
        "fashion": ("28x28 png", lambda: fashion_folder(args.data, args.n)),
        "photos": ("1280x960 jpeg", lambda: make_dataset(args.data, args.n)),
    }
    for key in args.sets.split(","):
        label, make = folders[key]
        folder = make()
        runs: dict[tuple[str, str], list[dict]] = {}
        for _trial in range(args.repeat):
            for name, tree in trees.items():
                for kind in ("model", "embed"):
                    with tempfile.TemporaryDirectory(dir=args.data) as tmp:
                        runs.setdefault((name, kind), []).append(
                            measure(tree, kind, folder, Path(tmp), extras.get(name))
                        )
        print(f"{label}, {args.n} images, {args.repeat} trials alternating, medians:")
        for name in trees:
            model, e2e = runs[name, "model"], runs[name, "embed"]

            def ms(rows: list[dict], field: str) -> float:
                return 1000 * float(np.median([r[field] / r["images"] for r in rows]))

            setup = ms(e2e, "total_cpu") - ms(e2e, "loop_cpu") - ms(e2e, "index_cpu")
            each = " ".join(f"{1000 * r['loop_cpu'] / r['images']:.2f}" for r in e2e)
            walls = " ".join(f"{1000 * r['loop_wall'] / r['images']:.1f}" for r in e2e)
            alone = " ".join(f"{1000 * r['loop_wall'] / r['images']:.1f}" for r in model)
            print(
                f"  {name:<7} [{e2e[0]['engine']}] model alone {ms(model, 'loop_cpu'):.2f} "
                f"ms CPU/image ({ms(model, 'loop_wall'):.2f} wall); embed loop "
                f"{ms(e2e, 'loop_cpu'):.2f} ({ms(e2e, 'loop_wall'):.2f} wall; trials {each}), "
                f"whole command {ms(e2e, 'total_cpu'):.2f} (setup {setup:.2f}, search index "
                f"{ms(e2e, 'index_cpu'):.2f}); loop / model "
                f"{ms(e2e, 'loop_cpu') / ms(model, 'loop_cpu'):.2f}x; wall ms/image trials: "
                f"loop {walls}, model alone {alone}"
            )


if __name__ == "__main__":
    main()
