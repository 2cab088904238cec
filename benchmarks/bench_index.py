"""Indexing benchmark: LabelDesk's scanner against a naive single-process loop.

Makes N synthetic 1280×960 JPEG photos (cached between runs), then measures in one run:
  * naive loop: open, convert, thumbnail, save, hash, INSERT + COMMIT row by row,
    timed on a sample of the same files (it is slow; the rate is what counts);
  * `labeldesk new` (parallel decode with JPEG draft mode, batched writes), N images;
  * an unchanged re-scan of the same tree;
  * a re-scan after every file's change time (ctime) moved, bytes the same: each file is
    hashed again, not decoded (schema 13);
  * peak memory (RSS) of the indexing process and its workers for two sizes.

Targets (issue 2, 2 cores): ≥ 3× the naive rate; unchanged re-scan of 10,000 files < 2 s;
peak RSS flat in N.

    python benchmarks/bench_index.py                 # 10,000 images (+ 2,000 for memory)
    python benchmarks/bench_index.py -n 2000 --small 500
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

BASES = 64  # distinct pictures; every file still has unique bytes (a unique JPEG comment)


def _base_photo(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    low = rng.integers(0, 256, (12, 16, 3), dtype=np.uint8)
    img = Image.fromarray(low).resize((1280, 960), Image.Resampling.BICUBIC)
    noise = rng.normal(0, 6, (960, 1280, 3))
    arr = np.clip(np.asarray(img, dtype=np.float32) + noise, 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "JPEG", quality=90)
    return buf.getvalue()


def make_dataset(root: Path, n: int) -> Path:
    """root/<class>/<i>.jpg with 10 classes; reused when already complete."""
    folder = root / f"photos-{n}"
    marker = folder / ".complete"
    if marker.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    with ProcessPoolExecutor() as pool:
        bases = list(pool.map(_base_photo, range(BASES)))
    for i in range(n):
        data = bases[i % BASES]
        comment = f"labeldesk bench {i}".encode()
        unique = data[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + data[2:]
        path = folder / f"class{i % 10}" / f"img{i:06d}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(unique)
    marker.touch()
    return folder


def naive_index(files: list[Path], workdir: Path) -> float:
    """The loop a first attempt would write: full decode, one transaction per row."""
    thumbs = workdir / "naive-thumbs"
    thumbs.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(workdir / "naive.db")
    conn.execute(
        "CREATE TABLE images (path TEXT PRIMARY KEY, hash TEXT, width INT, height INT,"
        " format TEXT, mode TEXT)"
    )
    start = time.perf_counter()
    for i, path in enumerate(files):
        data = path.read_bytes()
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        with Image.open(path) as img:
            fmt, mode, size = img.format, img.mode, img.size
            rgb = img.convert("RGB")
        rgb.thumbnail((256, 256))
        rgb.save(thumbs / f"{i}.jpg", "JPEG", quality=85)
        conn.execute(
            "INSERT INTO images VALUES (?, ?, ?, ?, ?, ?)",
            (str(path), digest, size[0], size[1], fmt, mode),
        )
        conn.commit()
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def child(mode: str, project: str, images: str) -> None:
    """Run in a fresh process so its peak memory can be read on its own."""
    from labeldesk.core.create import create_and_index
    from labeldesk.core.project import open_project

    start = time.perf_counter()
    if mode == "new":
        proj, counts = create_and_index(project, images)
    else:
        proj = open_project(project)
        counts = proj.scan()
    seconds = time.perf_counter() - start
    proj.close()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "added": counts.added,
                "unchanged": counts.unchanged,
                "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "worker_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
            }
        )
    )


def run_child(mode: str, project: Path, images: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(project), str(images)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=10_000, help="images for the main run")
    parser.add_argument(
        "--small", type=int, default=2_000, help="second size, for the memory check"
    )
    parser.add_argument(
        "--naive-sample", type=int, default=1_000, help="files timed for the naive loop"
    )
    parser.add_argument(
        "--data", type=Path, default=Path(tempfile.gettempdir()) / "labeldesk-bench"
    )
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return

    print(f"cpus: {os.cpu_count()}  python {sys.version.split()[0]}")
    t0 = time.perf_counter()
    big = make_dataset(args.data, args.n)
    small = make_dataset(args.data, args.small)
    print(f"dataset ready in {time.perf_counter() - t0:.0f} s: {big}")

    with tempfile.TemporaryDirectory(dir=args.data) as tmp:
        work = Path(tmp)
        files = sorted(big.rglob("*.jpg"))[: args.naive_sample]
        naive_s = naive_index(files, work)
        naive_rate = len(files) / naive_s
        print(f"naive loop:     {len(files):>6} images  {naive_s:7.2f} s  {naive_rate:7.1f} img/s")

        results = {}
        for n, images in ((args.small, small), (args.n, big)):
            res = run_child("new", work / f"proj-{n}", images)
            results[n] = res
            rate = res["added"] / res["seconds"]
            print(
                f"labeldesk new:  {res['added']:>6} images  {res['seconds']:7.2f} s"
                f"  {rate:7.1f} img/s"
                f"  ({rate / naive_rate:.2f}× naive)  peak RSS main {res['rss_mb']:.0f} MB,"
                f" worker {res['worker_rss_mb']:.0f} MB"
            )
        rescan = run_child("scan", work / f"proj-{args.n}", big)
        print(f"unchanged scan: {rescan['unchanged']:>6} images  {rescan['seconds']:7.2f} s")
        for path in big.rglob("*.jpg"):  # the same mode: only the change time moves (as
            os.chmod(path, path.stat().st_mode)  # a hard link made by an export moves it)
        moved = run_child("scan", work / f"proj-{args.n}", big)
        print(
            f"change times moved, scan: {moved['unchanged']:>6} images  {moved['seconds']:7.2f} s"
            f"  (hashed, not decoded: {results[args.n]['seconds'] / moved['seconds']:.1f}×"
            " faster than indexing them)"
        )
        small_rss, big_rss = results[args.small]["rss_mb"], results[args.n]["rss_mb"]
        print(
            f"peak RSS main process: {small_rss:.0f} MB at {args.small}, {big_rss:.0f} MB at "
            f"{args.n} ({big_rss / small_rss:.2f}×)"
        )


if __name__ == "__main__":
    main()
