"""A synthetic ImageFolder project for the GUI benchmark, built once and then reused.

N distinct small JPEGs (10 classes, 80 % train / 20 % val, every 20th image unlabeled,
2 % in the wrong class folder),
written by a process pool, then indexed with the real core API as `labeldesk new` does.
"""

from __future__ import annotations

import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

CLASSES = [f"class{k}" for k in range(10)]
CHUNK = 2000  # images written per worker task


def relpath(i: int) -> str:
    """Image i's place: 80 % train, 20 % val, every class in both; every 20th image
    unlabeled; every 50th in the next class's folder (a planted mislabel for review)."""
    split = "val" if (i // len(CLASSES)) % 5 == 4 else "train"
    true_class = i % len(CLASSES)
    given = (true_class + 1) % len(CLASSES) if i % 50 == 7 else true_class
    folder = "_unlabeled" if i % 20 == 19 else CLASSES[given]
    return f"{split}/{folder}/img{i:06d}.jpg"


def image_bytes(i: int, side: int) -> bytes:
    """A distinct picture: a smooth random background, a class-shaped blob, noise."""
    import io

    import numpy as np
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(i)
    low = rng.integers(0, 256, (4, 4, 3), dtype=np.uint8)
    img = Image.fromarray(low).resize((side, side), Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(img)
    color = tuple(int(c) for c in rng.integers(0, 256, 3))
    x, y = (int(v) for v in rng.integers(0, side // 2, 2))
    size = int(rng.integers(side // 4, side // 2))
    box = (x, y, x + size, y + size)
    shape = (i % len(CLASSES)) % 3
    if shape == 0:
        draw.ellipse(box, fill=color)
    elif shape == 1:
        draw.rectangle(box, fill=color)
    else:
        draw.line(box, fill=color, width=max(2, side // 12))
    noise = rng.integers(-10, 11, (side, side, 3))
    arr = np.clip(np.asarray(img, dtype=np.int16) + noise, 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "JPEG", quality=90)
    return buf.getvalue()


def _write_chunk(job: tuple[str, int, int, int]) -> int:
    root, start, stop, side = job
    for i in range(start, stop):
        path = Path(root) / relpath(i)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(image_bytes(i, side))
    return stop - start


def make_images(folder: Path, n: int, side: int) -> float | None:
    """Write the image tree; seconds taken, or None when it was already complete."""
    marker = folder / ".complete"
    if marker.exists():
        return None
    start = time.perf_counter()
    jobs = [(str(folder), s, min(n, s + CHUNK), side) for s in range(0, n, CHUNK)]
    with ProcessPoolExecutor() as pool:
        done = 0
        for count in pool.map(_write_chunk, jobs):
            done += count
            print(f"\r  writing images {done:,}/{n:,}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    marker.touch()
    return time.perf_counter() - start


def make_project(data: Path, n: int, side: int) -> tuple[Path, float | None, float | None]:
    """The indexed project for n images: (path, image seconds, index seconds)."""
    from labeldesk.core.create import create_and_index
    from labeldesk.core.progress import Progress

    base = data / f"gui-{n}-{side}px-v2"  # v2: every class in both splits, planted errors
    images, project = base / "images", base / "project"
    image_s = make_images(images, n, side)
    marker = base / ".indexed"
    if marker.exists() and image_s is None:
        return project, None, None

    last = 0.0

    def progress(update: Progress) -> None:
        nonlocal last
        if time.monotonic() - last > 1 or update.done == update.total:
            last = time.monotonic()
            print(
                f"\r  indexing {update.done:,}/{update.total:,} {update.message}",
                end="",
                file=sys.stderr,
                flush=True,
            )

    shutil.rmtree(project, ignore_errors=True)
    start = time.perf_counter()
    proj, counts = create_and_index(project, images, progress=progress)
    proj.close()
    print(file=sys.stderr)
    if counts.added != n:
        raise SystemExit(f"indexed {counts.added} images, expected {n}")
    marker.touch()
    return project, image_s, time.perf_counter() - start
