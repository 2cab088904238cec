"""Embedding the sample project on a Ray cluster against embedding it on this machine.

Both runs embed the bundled sample project (sample_data/fashion, 600 images, made with
`labeldesk new`) from scratch with the default model, in the same run:
  local   `labeldesk embed` here (OpenVINO on the CPU, decode in worker processes)
  ray     `labeldesk embed --ray` through a real local cluster: a head and a second node
          on 127.0.0.1 (1 CPU each, so two model actors), the test suite's cluster
          (tests/cluster/local_ray.py), or --address for a running one.
For the cluster the job's wall time is split into start-up (actors start, import torch,
load and compile the model: until the first batch arrives) and the steady rate after
it, which is what a long job runs at; the line after it is the command's own summary of
the same job (`labeldesk embed --ray` prints it: where the time went, from the job's
report), to compare with. The mean cosine between the two runs' vectors shows they mix.

    python benchmarks/bench_ray_embed.py [--address HOST:PORT] [--batch-size 64]
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "fashion"
sys.path.insert(0, str(ROOT / "tests"))


def new_project(folder: Path):
    from labeldesk.core.create import create_and_index

    project, _ = create_and_index(folder, SAMPLE, workers=1)
    return project


def vectors(project) -> dict[str, np.ndarray]:
    from labeldesk.core.image_rows import usable_files
    from labeldesk.ml.store import current_store

    store = current_store(project)
    hashes = sorted({r["hash"] for r in usable_files(project.db)})
    rows = store.rows_for(hashes)
    return dict(zip(hashes, store.gather(rows).astype(np.float32), strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--address", help="a running cluster (default: start a local one)")
    parser.add_argument("--batch-size", type=int, default=None)
    args = parser.parse_args()
    os.environ.setdefault("RAY_AUTH_TOKEN", secrets.token_hex(32))
    from labeldesk.ml.embed import embed_project
    from labeldesk.ml.ray_embed import embed_on_ray

    work = Path(tempfile.mkdtemp(prefix="bench-ray-"))
    local = new_project(work / "local")
    started = time.perf_counter()
    report = embed_project(local, batch_size=args.batch_size)
    local_s = time.perf_counter() - started
    print(
        f"local: {report.embedded} images in {local_s:.1f} s end to end "
        f"({report.embedded / local_s:.1f} img/s; after the model loaded "
        f"{report.images_per_s:.1f} img/s, {report.runtime})"
    )

    cluster = None
    if args.address is None:
        os.environ["RAY_AUTH_MODE"] = "token"
        from cluster.local_ray import LOOPBACK_ENV, start_local_ray

        os.environ.update(LOOPBACK_ENV)  # this driver on 127.0.0.1 too (before Ray loads)

        t = time.perf_counter()
        cluster = start_local_ray(cpus_per_node=1, nodes=2)
        print(f"local cluster: 2 nodes up in {time.perf_counter() - t:.1f} s")
    address = args.address or cluster.address
    try:
        remote = new_project(work / "ray")
        ticks: list[tuple[float, int]] = []

        def progress(p) -> None:
            if p.message.startswith("embedding on the Ray cluster") and p.done > 0:
                ticks.append((time.perf_counter(), p.done))

        started = time.perf_counter()
        job = embed_on_ray(remote, address=address, batch_size=args.batch_size, progress=progress)
        total_s = time.perf_counter() - started
        first_t, first_n = ticks[0]
        last_t, last_n = ticks[-1]
        steady = (last_n - first_n) / (last_t - first_t) if last_t > first_t else float("nan")
        print(
            f"ray: {job.embedded} images in {total_s:.1f} s end to end "
            f"({job.embedded / total_s:.1f} img/s; job {job.seconds:.1f} s), "
            f"first batch after {first_t - started:.1f} s, "
            f"then {steady:.1f} img/s steady ({job.workers} workers on {job.nodes} nodes, "
            f"{job.runtime})"
        )
        if job.timing is not None:
            print(f"ray, as the command says it: {job.timing.text()}")
        a, b = vectors(local), vectors(remote)
        cos = [float(a[h] @ b[h]) for h in a]
        print(
            f"mean cosine ray vs local {np.mean(cos):.5f} (min {min(cos):.5f}, {len(cos)} images)"
        )
        remote.close()
    finally:
        local.close()
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
