"""What the pixel view (labeldesk/ml/pixel_view.py) costs the predictions.

A project of N synthetic JPEG photos (synthetic_project.py: 10 classes, indexed with the
real scan, so every image has its thumbnail) with synthetic 1280-d vectors
(scale_project.write_vectors), built once under --data. Per size, in one process, all cold
(caches deleted first): the view built from the thumbnails (images/s), the same again from
its cache, and the project's predictions with the view against without it (the view off
through pixel_view.MAX_ROWS), the kNN graph made beforehand and shared.

Result (20,000 images, 2 cores, two runs): built in 5.3 / 6.1 s (3,789 / 3,276 images/s)
with the thumbnails read on threads (7.1 / 7.7 s on one), 0.09 s from its cache (14.2 MB);
predictions 6.2 / 7.1 s with the view against 3.3 / 3.4 s without (1.87x / 2.07x).
100,000 images (one run): built in 23.4 s (4,273 images/s), 0.77 s from its cache (71 MB);
predictions 28.0 s against 16.3 s (1.72x).

``--c-baseline 1`` also times the predictions with the view at the probes' old C (session
28, C 1 -> 2, two runs): 20,000 images 6.2 s at C 2 against 4.8 s at C 1 (1.30x), then
6.3 s against 5.0 s (1.24x); 100,000 images 26.5 s against 26.9 s (0.99x).

    python benchmarks/bench_pixel_view.py --sizes 20000
    python benchmarks/bench_pixel_view.py --sizes 20000,100000   # ~15 min to build 100k
    python benchmarks/bench_pixel_view.py --sizes 20000,100000 --c-baseline 1
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale_project import write_vectors
from synthetic_project import make_project

from labeldesk.core.project import open_project
from labeldesk.ml import pixel_view as pv
from labeldesk.ml import probe
from labeldesk.ml.neighbors import neighbor_graph
from labeldesk.ml.predictions import project_predictions
from labeldesk.ml.store import embeddings_dir, project_vectors

SIDE = 256  # pixels of the generated photos (their thumbnails are the same size)


def clear(project_path: Path, pattern: str) -> None:
    for f in (project_path / "embeddings").rglob(pattern):
        f.unlink()


def measure(n: int, data: Path, c_baseline: float | None = None) -> dict[str, float]:
    project_path, _, _ = make_project(data, n, SIDE)
    marker = project_path / ".bench-pixel-vectors"
    if not marker.exists():
        write_vectors(project_path, n)
        marker.touch()
    out: dict[str, float] = {}
    with open_project(project_path) as project:
        vectors = project_vectors(project)
        neighbor_graph(project, vectors=vectors)  # shared by both predictions below
        clear(project_path, "pixels-*.npz")
        t = time.perf_counter()
        view = pv.pixel_view(project, vectors)
        out["build_s"] = time.perf_counter() - t
        if view is None:
            raise SystemExit("no pixel view: thumbnails missing")
        t = time.perf_counter()
        pv.pixel_view(project, vectors)
        out["cached_s"] = time.perf_counter() - t
        shipped = pv.MAX_ROWS
        for name, cap in (("with_s", shipped), ("without_s", 0)):
            clear(project_path, "predictions-*.npz")
            pv.MAX_ROWS = cap
            t = time.perf_counter()
            project_predictions(project, vectors)
            out[name] = time.perf_counter() - t
        pv.MAX_ROWS = shipped
        if c_baseline is not None:  # the same predictions with the probes' C at c_baseline
            shipped_c, probe.C_REG = probe.C_REG, c_baseline
            clear(project_path, "predictions-*.npz")
            t = time.perf_counter()
            project_predictions(project, vectors)
            out["c_baseline_s"] = time.perf_counter() - t
            probe.C_REG = shipped_c
        out["cache_mb"] = (
            sum(f.stat().st_size for f in embeddings_dir(project).glob("pixels-*.npz")) / 2**20
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="20000")
    parser.add_argument("--data", type=Path, default=Path("/tmp/labeldesk-bench-pixels"))
    parser.add_argument(
        "--c-baseline", type=float, help="also the predictions with the probes' C at this value"
    )
    args = parser.parse_args()
    print(f"{'images':>8}{'view built':>12}{'img/s':>8}{'cached':>8}{'preds with':>12}"
          f"{'without':>9}{'added':>8}{'cache MB':>10}")  # fmt: skip
    for n in (int(s) for s in args.sizes.split(",")):
        m = measure(n, args.data, args.c_baseline)
        print(
            f"{n:>8,}{m['build_s']:>11.1f}s{n / m['build_s']:>8.0f}{m['cached_s']:>7.2f}s"
            f"{m['with_s']:>11.1f}s{m['without_s']:>8.1f}s"
            f"{m['with_s'] / m['without_s']:>7.2f}x{m['cache_mb']:>10.1f}",
            flush=True,
        )
        if "c_baseline_s" in m:
            print(
                f"  predictions with the view at C = {probe.C_REG:g}: {m['with_s']:.1f} s; "
                f"at C = {args.c_baseline:g}: {m['c_baseline_s']:.1f} s "
                f"({m['with_s'] / m['c_baseline_s']:.2f}x)"
            )


if __name__ == "__main__":
    main()
