"""Synthetic projects of 100k-1M tiny images for bench_scale.py, built once and reused.

One image tree of the largest size is written (tiny distinct PNGs, 10 classes, train/val,
5 % unlabeled, 2 % planted in the wrong class folder: the layout of synthetic_project.py);
a smaller size is a folder of hard links to its first N files, so the sizes share pixels
and differ only in count. Each size's project is made by the real `labeldesk new` (timed,
peak memory sampled), then given synthetic vectors through the real vector store:
embedding 1M images with the CNN on 2 CPU cores would take hours (~60 img/s), so the
vectors are clustered by true class (the planted mislabels sit in their true class's
cluster), written as a model identity named "synthetic-scale" that the app treats as the
project's current embeddings.

    python benchmarks/scale_project.py 100000,1000000 [DATA]   # build (default DATA:
                                                     # /tmp/labeldesk-scale)
    python benchmarks/scale_project.py --repeat 1000000 PROJECT DEST
        # DEST: a copy of PROJECT with its image rows repeated to 1M (repeated_rows)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from synthetic_project import CLASSES, relpath

SIDE = 24  # px: tiny, so 1M files fit in a few GB (thumbnails are as large as the image)
CHUNK = 5000
DIM = 1280  # efficientnet_lite0's width, the default model's
SYNTHETIC = "synthetic-scale"


def tiny_png(i: int) -> bytes:
    """A distinct picture: 4x4 random colour blocks with a class-coloured square."""
    import io

    from PIL import Image

    rng = np.random.default_rng(i)
    blocks = rng.integers(0, 256, (4, 4, 3), dtype=np.uint8)
    arr = np.repeat(np.repeat(blocks, SIDE // 4, axis=0), SIDE // 4, axis=1)
    c = i % len(CLASSES)
    arr[4:14, 4:14] = (c * 25, 255 - c * 25, (c * 77) % 256)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "PNG", compress_level=1)
    return buf.getvalue()


def png_path(i: int) -> str:
    return relpath(i).removesuffix(".jpg") + ".png"


def _write_chunk(job: tuple[str, int, int]) -> int:
    root, start, stop = job
    last = Path(root) / png_path(stop - 1)
    if last.exists() and last.stat().st_size > 0:  # written by an earlier, stopped run
        return stop - start
    made: set[Path] = set()
    for i in range(start, stop):
        path = Path(root) / png_path(i)
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        path.write_bytes(tiny_png(i))
    return stop - start


def make_images(folder: Path, n: int, workers: int = 2) -> float | None:
    """The full image tree (seconds), or None when it was already written."""
    marker = folder / ".complete"
    if marker.exists():
        return None
    start = time.perf_counter()
    jobs = [(str(folder), s, min(n, s + CHUNK)) for s in range(0, n, CHUNK)]
    with ProcessPoolExecutor(workers) as pool:
        done = 0
        for count in pool.map(_write_chunk, jobs):
            done += count
            print(f"\r  writing images {done:,}/{n:,}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    marker.touch()
    return time.perf_counter() - start


def link_images(full: Path, folder: Path, n: int) -> None:
    """``folder``: hard links to the first ``n`` images of ``full`` (same bytes, mtimes)."""
    marker = folder / ".complete"
    if marker.exists():
        return
    made: set[Path] = set()
    for i in range(n):
        rel = png_path(i)
        target = folder / rel
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        if not target.exists():
            os.link(full / rel, target)
    marker.touch()


class PeakRss:
    """Samples the resident memory of a process and its children every 0.2 s: the peak
    of the process itself and of the whole tree (the scan's decoder processes)."""

    def __init__(self, pid: int):
        self.pid, self.own, self.tree = pid, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            own = rss_of(self.pid)
            tree = own + sum(rss_of(c) for c in children(self.pid))
            self.own, self.tree = max(self.own, own), max(self.tree, tree)

    def stop(self) -> tuple[int, int]:
        self._stop.set()
        self._thread.join()
        return self.own, self.tree


def rss_of(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                out += [int(c) for c in f.read().split()]
    except OSError:
        return out
    return out + [g for c in out for g in children(c)]


def children_cpu() -> float:
    """CPU seconds (user + system) of the waited-for child processes so far."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_cli(*args: str) -> tuple[dict, float, int, int]:
    """Run ``labeldesk ARGS --json``: (its JSON with "cpu_s" added, seconds, peak RSS
    own, peak RSS tree). The CPU time says what the wall time would be on an idle
    machine (the benchmark machine is shared)."""
    cmd = [sys.executable, "-m", "labeldesk", *args, "--json"]
    cpu = children_cpu()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    peak = PeakRss(proc.pid)
    out, _ = proc.communicate()
    seconds = time.perf_counter() - start
    own, tree = peak.stop()
    if proc.returncode != 0:
        raise SystemExit(f"`labeldesk {' '.join(args)}` failed (exit {proc.returncode})")
    return {**json.loads(out), "cpu_s": children_cpu() - cpu}, seconds, own, tree


def write_vectors(project: Path, n: int, seed: int = 0, chunk: int = 50_000) -> float:
    """Synthetic vectors for every usable image, through the real store (seconds).

    Each image's vector is its true class's centre, plus the centre of one of that
    class's small clusters (~100 images each: kinds within a class), plus heavy noise,
    L2-normalised: the classes overlap like CNN features do, nearest neighbours are
    mostly in the same small cluster, and the planted mislabels look like their true
    class. Written in chunks: the whole matrix is never in memory."""
    from labeldesk.core.project import open_project
    from labeldesk.ml.backbones import ModelIdentity
    from labeldesk.ml.store import embeddings_dir
    from labeldesk.ml.vectors import VectorStore

    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    shared = rng.normal(size=DIM).astype(np.float32)
    centres = (0.5 * shared + rng.normal(size=(len(CLASSES), DIM))).astype(np.float32)
    per_class = max(1, n // (100 * len(CLASSES)))
    small = 0.9 * rng.normal(size=(len(CLASSES), per_class, DIM)).astype(np.float32)
    identity = ModelIdentity(SYNTHETIC, "clusters", "0" * 64)
    with open_project(project) as proj:
        rows = proj.db.query("SELECT path, hash FROM images WHERE skip_reason IS NULL")
        index = {int(p.rsplit("img", 1)[1].split(".")[0]): h for p, h in rows}
        if len(index) != n:
            raise SystemExit(f"{len(index)} usable images in {project}, expected {n}")
        store = VectorStore.for_identity(embeddings_dir(proj), identity, DIM)
        with VectorStore.writer(store.folder, DIM) as writer:
            if writer.count:
                writer.rebuild("synthetic vectors are written again")
            for s in range(0, n, chunk):
                ids = np.arange(s, min(n, s + chunk))
                c = ids % len(CLASSES)
                x = centres[c] + small[c, (ids // len(CLASSES)) % per_class]
                x += rng.normal(scale=1.1, size=(len(ids), DIM)).astype(np.float32)
                x /= np.linalg.norm(x, axis=1, keepdims=True)
                writer.append([index[int(i)] for i in ids], x)
        (store.folder / "spec.json").write_text(json.dumps({"spec": SYNTHETIC}))
        proj.db.set_meta("embedding_key", identity.key)
    return time.perf_counter() - start


def index_fast(project: Path, images: Path) -> float:
    """Index ``images`` into a new project with the real scanner and database writer, but
    without decoding: every file is read and hashed as a scan does, and its size, format
    and mode are the generator's (all SIDE x SIDE RGB PNGs). Perceptual hashes are taken
    from the content hash (as if no two images looked alike) and no thumbnails are
    written: the app makes them when a tile is first shown. This stands in for `labeldesk
    new` at sizes where decoding every image would take most of an hour on 2 busy cores;
    `new` itself is timed separately (:func:`measure_new`). Seconds taken."""
    from collections.abc import Iterator, Sequence

    from labeldesk.core import scanner
    from labeldesk.core.create import create_empty
    from labeldesk.core.imageio import ProbeResult
    from labeldesk.core.indexed_files import content_hash
    from labeldesk.core.project import open_project

    def probe_known(
        root: str, thumbs: str, paths: Sequence[str], workers: object, cancel: object
    ) -> Iterator[ProbeResult]:
        for rel in paths:
            full = os.path.join(root, rel)
            with open(full, "rb") as f:
                data = f.read()
            st = os.stat(full)
            digest = content_hash(data)
            phash = int.from_bytes(bytes.fromhex(digest)[:8], "big", signed=True)
            yield ProbeResult(
                rel, st.st_size, st.st_mtime_ns, digest, SIDE, SIDE, "PNG", "RGB", 1, phash,
                ctime_ns=st.st_ctime_ns,
            )  # fmt: skip

    start = time.perf_counter()
    original = scanner.probe_all
    scanner.probe_all = probe_known
    try:
        with open_project(create_empty(project, images)) as proj:
            counts = proj.scan()
    finally:
        scanner.probe_all = original
    print(f"  indexed {counts.added:,} images", file=sys.stderr)
    return time.perf_counter() - start


def measure_new(base: Path, images: Path, n: int) -> dict:
    """`labeldesk new` on the images, timed with its peak memory (cached in new.json);
    the project it makes is deleted afterwards (it is only a measurement)."""
    import shutil

    figures_file = base / "new.json"
    if figures_file.exists():
        return json.loads(figures_file.read_text())
    target = base / "new-project"
    shutil.rmtree(target, ignore_errors=True)
    print(f"labeldesk new on {n:,} images …", file=sys.stderr)
    data_json, seconds, own, tree = run_cli("new", str(target), "--images", str(images))
    figures = {
        "seconds": seconds,
        "images": data_json["images"],
        "peak_rss_own": own,
        "peak_rss_tree": tree,
        "cpu_s": data_json["cpu_s"],
        "load": os.getloadavg()[0],
    }
    shutil.rmtree(target, ignore_errors=True)
    figures_file.write_text(json.dumps(figures))
    return figures


def _claim(marker: Path) -> None:
    """Mark a project as being built by this process; stop if a live process is on it."""
    try:
        pid = int(marker.read_text())
    except (OSError, ValueError):
        pid = 0
    if pid and pid != os.getpid() and Path(f"/proc/{pid}").exists():
        raise SystemExit(f"{marker.parent} is being built by process {pid}; wait for it")
    marker.write_text(str(os.getpid()))


def build(data: Path, sizes: list[int], largest: int = 1_000_000) -> dict[int, dict]:
    """Every size's project (made once): {n: {"project", "images", "index_s", ...}}.
    The image tree always holds ``largest`` images; smaller sizes link to its first n."""
    largest = max(largest, *sizes)
    full = data / f"images-{largest}"
    if any(not (data / f"n{n}" / "built.json").exists() for n in sizes):
        image_s = make_images(full, largest)
        if image_s is not None:
            print(f"wrote {largest:,} images in {image_s:.0f} s", file=sys.stderr)
    out: dict[int, dict] = {}
    # Every size's links before any project is indexed: a hard link made to a file moves
    # its change time, which a project indexed earlier would then see as a change.
    for n in sizes:
        if n != largest and not (data / f"n{n}" / "built.json").exists():
            link_images(full, data / f"n{n}" / "images", n)
    # the smallest first (quick to look at), then the largest, then the rest
    for n in sorted(sizes, key=lambda m: (m != min(sizes), -m)):
        base = data / f"n{n}"
        images = full if n == largest else base / "images"
        figures_file = base / "built.json"
        project = base / "project"
        if not figures_file.exists():
            import shutil

            base.mkdir(parents=True, exist_ok=True)
            _claim(base / ".building")  # never two builders on one project
            shutil.rmtree(project, ignore_errors=True)
            print(f"indexing {n:,} images …", file=sys.stderr)
            index_s = index_fast(project, images)
            vectors_s = write_vectors(project, n)
            figures_file.write_text(json.dumps({"index_s": index_s, "vectors_s": vectors_s}))
            (base / ".building").unlink()
        out[n] = {
            "project": project,
            "images": images,
            "base": base,
            **json.loads(figures_file.read_text()),
        }
    return out


def repeated_rows(project: Path, n: int, dest: Path) -> Path:
    """A copy of ``project`` (at ``dest``, made once) with its image rows repeated under
    other paths ("r1/train/...", "r2/...") up to ``n`` rows: the app's row handling at a
    million images without writing a million files. The copies share their originals'
    content hashes, so they have vectors, labels and splits; their files are missing (no
    thumbnails), and their labels have no history."""
    import shutil
    import sqlite3

    done = dest / ".repeated"
    if done.exists():
        return dest
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    shutil.copytree(project / "embeddings", dest / "embeddings", copy_function=os.link)
    source, db = sqlite3.connect(project / "labeldesk.db"), sqlite3.connect(dest / "labeldesk.db")
    source.backup(db)
    source.close()
    columns = [row[1] for row in db.execute("PRAGMA table_info(images)") if row[1] != "id"]
    (originals,) = db.execute("SELECT count(*) FROM images").fetchone()
    (last,) = db.execute("SELECT max(id) FROM images").fetchone()
    picked = ", ".join("? || path" if c == "path" else c for c in columns)
    copy = 1
    with db:
        while originals * (copy + 1) <= n:
            db.execute(
                f"INSERT INTO images ({', '.join(columns)}) SELECT {picked} FROM images "
                "WHERE id <= ? ORDER BY id",
                (f"r{copy}/", last),
            )
            copy += 1
        left = n - originals * copy
        if left > 0:
            db.execute(
                f"INSERT INTO images ({', '.join(columns)}) SELECT {picked} FROM images "
                "WHERE id <= ? ORDER BY id LIMIT ?",
                (f"r{copy}/", last, left),
            )
    db.close()
    done.touch()
    return dest


if __name__ == "__main__":  # python benchmarks/scale_project.py 100000,300000,1000000
    if sys.argv[1] == "--repeat":  # scale_project.py --repeat 1000000 PROJECT DEST
        print(repeated_rows(Path(sys.argv[3]), int(sys.argv[2]), Path(sys.argv[4])))
        raise SystemExit(0)
    root = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("/tmp/labeldesk-scale")
    for n, info in build(root, [int(s) for s in sys.argv[1].split(",")]).items():
        print(n, info)
