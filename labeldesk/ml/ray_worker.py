"""What runs on a Ray cluster's workers for :mod:`labeldesk.ml.ray_embed`.

Workers read the images themselves, from the same path on shared storage or under a
remote root (a mount point, or a URI pyarrow can open: ``s3://``, ``gs://``, ``hdfs://``,
``file://``), so the project's machine sends only (content hash, path, short side)
triples and gets back (content hash, vector). Each actor loads the model once, with the
same functions as a local run (:func:`load_backbone`, :func:`load_runner`,
:func:`prepare`), and embeds the same pixels: where a local run reads the scan's
thumbnail (big enough for the model), the worker makes that thumbnail in memory with
the scan's own code (:func:`labeldesk.core.imageio.thumbnail_jpeg`), so vectors are
interchangeable. An image whose bytes no longer have the scanned content hash is not
embedded: its vector would be stored under another image's key.

Nothing here imports ray at module level: the actor classes are plain classes that Ray
(Data) runs.
"""

from __future__ import annotations

import hashlib
import io
import platform
import socket
from importlib import metadata
from pathlib import Path
from typing import Any, cast

import numpy as np

OK, MISSING, FAILED = "ok", "missing", "failed"
# the reason of an image whose bytes here are not those indexed (see .ray_changed)
CHANGED_ON_WORKER = (
    "the file read here differs from the one indexed (changed since the last scan, or the "
    "workers' copy of the image folder is out of date)"
)
# The modules whose code decides what vector an image gets: a worker whose copy differs
# from the project machine's would make vectors that do not mix, under the same key.
VECTOR_CODE = (
    "backbones.py",
    "preprocess.py",
    "runtime.py",
    "onnx_export.py",
    "ov_mixed.py",
    "ray_worker.py",
    "../core/imageio.py",  # decoding, and the thumbnails embedded in place of big images
)


def code_version() -> str:
    """LabelDesk's version and a digest of the code that makes vectors."""
    return versioned_digest(VECTOR_CODE)


def versioned_digest(names: tuple[str, ...]) -> str:
    """LabelDesk's version and a digest of these modules (beside this one): what must
    match between this machine and every node for their results to be interchangeable."""
    digest = hashlib.sha256()
    here = Path(__file__).parent
    for name in names:
        digest.update((here / name).read_bytes())
    return f"{_version_of('labeldesk')}+{digest.hexdigest()[:12]}"


class ImageSource:
    """Reads project-relative image paths on a worker: ``root/rel`` on a local or mounted
    file system, or through pyarrow's file systems for a URI."""

    def __init__(self, root: str):
        self.root = root
        self._fs: Any = None
        if "://" in root:
            from pyarrow import fs

            self._fs, base = fs.FileSystem.from_uri(root)
            self._base = base.rstrip("/")

    def where(self, rel: str) -> str:
        """The location ``rel`` is read from (for messages)."""
        if self._fs is not None:
            return f"{self.root.rstrip('/')}/{rel}"
        return str(Path(self.root) / rel)

    def read(self, rel: str) -> bytes:
        """The file's bytes; FileNotFoundError when it is not there."""
        if self._fs is None:
            return (Path(self.root) / rel).read_bytes()
        from pyarrow import fs

        path = f"{self._base}/{rel}"
        if self._fs.get_file_info(path).type == fs.FileType.NotFound:
            raise FileNotFoundError(path)
        with self._fs.open_input_file(path) as f:
            return cast(bytes, f.read())


def probe_node(root: str, sample: list[str]) -> dict[str, Any]:
    """What the project machine checks on every node before a job: versions, and whether
    the first images to embed can be read there, with their content hashes (a wrong root
    fails here, not later; so does one holding other files under the same names)."""
    from labeldesk.core.indexed_files import content_hash

    source = ImageSource(root)
    missing, hashes = [], {}
    for rel in sample:
        try:
            hashes[rel] = content_hash(source.read(rel))
        except FileNotFoundError:
            missing.append(source.where(rel))
        except OSError as exc:
            missing.append(f"{source.where(rel)} ({exc})")
    return {
        "host": socket.gethostname(),
        "labeldesk": code_version(),
        "python": platform.python_version(),
        "ray": _version_of("ray"),
        "missing": missing,
        "hashes": hashes,
        "where": source.where(""),
        "node_death_s": health_check_window(),
    }


def health_check_window() -> float | None:
    """How long the cluster may take to see a node gone, by this process's Ray settings
    (on a node, that node's: the cluster's system config and the environment its Ray
    started with): the head asks each node every ``health_check_period_ms`` and gives it
    up after ``health_check_failure_threshold`` failed asks (Ray's defaults: 3 s, 5
    times), and a period more for the news to come back. None: a Ray without them."""
    try:
        from ray import _config

        period = _config.health_check_period_ms() / 1000
        return float(period * (_config.health_check_failure_threshold() + 1))
    except Exception:  # another Ray
        return None


def model_input(data: bytes, short_side: int, size: int) -> io.BytesIO:
    """What a local run embeds for an image with these bytes: the scan's thumbnail when
    it is big enough for a ``size`` model, else the original; the rule of
    :func:`labeldesk.ml.embed.source_image` (``short_side`` 0: unknown)."""
    from PIL import Image

    from labeldesk.core.imageio import thumbnail_jpeg

    if 0 < short_side < size:  # thumbnails never enlarge: none is big enough
        return io.BytesIO(data)
    thumb = thumbnail_jpeg(data)
    with Image.open(io.BytesIO(thumb)) as img:
        big_enough = min(img.size) >= size
    return io.BytesIO(thumb if big_enough else data)


def _version_of(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


class Embedder:
    """A Ray Data actor: loads the model once, then embeds batches of (hash, path, side)
    rows (side: the image's short side from the scan, 0 when unknown).

    Returns, per row: the hash, the path, a status (ok, missing, failed), the reason, and
    the vector as float16 (the store's precision: half the traffic), plus this actor's
    model key and code version so the project machine can refuse vectors it must not mix,
    and the seconds it took to start (imports and model: the job's summary says them).
    """

    def __init__(self, spec: str, root: str, device: str) -> None:
        import time

        began = time.perf_counter()  # this actor's start, imports and model included
        from .backbones import load_backbone
        from .decode_threads import decode_threads
        from .runtime import load_runner

        self.backbone = load_backbone(spec)
        self.runner = load_runner(self.backbone, device, "auto")
        self.threads = decode_threads(device)  # a GPU worker decodes on several threads
        self.source = ImageSource(root)
        self.key = self.backbone.identity.key
        self.version = code_version()
        self.host = socket.gethostname()
        self.load_s = time.perf_counter() - began

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        from labeldesk.core.indexed_files import content_hash

        from .decode_threads import in_order
        from .preprocess import prepare

        pre = self.backbone.identity.preprocess
        hashes, paths = list(batch["hash"]), list(batch["path"])
        sides = [int(side) for side in batch["side"]]
        pixels = np.zeros((len(hashes), pre.size, pre.size, 3), np.uint8)

        def read(i: int) -> tuple[str, str]:  # (status, reason), the pixels into place
            rel = paths[i]
            try:
                data = self.source.read(rel)
                if content_hash(data) != hashes[i]:
                    return FAILED, CHANGED_ON_WORKER
                source = model_input(data, sides[i], pre.size)
                pixels[i] = prepare(cast(Path, source), pre)
            except FileNotFoundError:
                return MISSING, f"{self.source.where(rel)} not found on {self.host}"
            except Exception as exc:
                return FAILED, f"{type(exc).__name__}: {exc}"
            return OK, ""

        results = in_order(read, len(hashes), self.threads)
        status, reasons = [state for state, _ in results], [why for _, why in results]
        vectors = np.zeros((len(hashes), self.backbone.dim), np.float16)
        good = [i for i, s in enumerate(status) if s == OK]
        if good:
            vectors[good] = self.runner.features(pixels[good]).astype(np.float16)
        n = len(hashes)
        return {
            "hash": np.array(hashes, dtype=object),
            "path": np.array(paths, dtype=object),
            "status": np.array(status, dtype=object),
            "reason": np.array(reasons, dtype=object),
            "vector": vectors,
            "key": np.array([self.key] * n, dtype=object),
            "version": np.array([self.version] * n, dtype=object),
            "runtime": np.array([self.runner.name] * n, dtype=object),
            "precision": np.array([self.runner.precision] * n, dtype=object),
            "load_s": np.full(n, self.load_s, np.float32),  # for the job's summary
        }


class JobRelay:
    """The Ray Data job, driven from inside the cluster (an actor with no CPU of its own).

    The project machine may be a Ray Client (``ray://``), where Ray Data cannot execute,
    or a node far from the others: either way it only asks this actor for the next
    output batch, and the dataset's execution stays next to the workers. Killing the
    actor (the project machine disconnecting) ends the job and its model actors.
    """

    def __init__(
        self,
        items: list[tuple[str, str, int]],
        spec: str,
        root: str,
        device: str,
        *,
        workers: int,
        start: int,
        gpus_per_worker: float,
        batch_size: int,
    ) -> None:
        import logging

        import pyarrow as pa
        import ray.data

        logging.getLogger("ray.data").setLevel(logging.ERROR)
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        context.enable_operator_progress_bars = False
        step = batch_size * (1 if len(items) < 100_000 else 8)  # blocks: ~1 batch each
        tables = [
            pa.table(
                {
                    "hash": [h for h, _, _ in chunk],
                    "path": [p for _, p, _ in chunk],
                    "side": pa.array([s for _, _, s in chunk], pa.int32()),
                }
            )
            for chunk in (items[i : i + step] for i in range(0, len(items), step))
        ]
        dataset = ray.data.from_arrow(tables).map_batches(
            Embedder,
            fn_constructor_kwargs={"spec": spec, "root": root, "device": device},
            batch_size=batch_size,
            batch_format="numpy",
            # All that fit start at once: a pool growing from one waits for a backlog,
            # and each actor takes a while to load its model.
            compute=ray.data.ActorPoolStrategy(min_size=1, max_size=workers, initial_size=start),
            num_cpus=1,
            num_gpus=gpus_per_worker,
        )
        self._batches = iter(dataset.iter_batches(batch_size=None, batch_format="numpy"))

    def next(self) -> dict[str, np.ndarray] | None:
        """The next finished batch, in the order they finish; None when all are done."""
        return next(self._batches, None)

    def deaths(self) -> list[tuple[str, ...]]:
        """This job's workers that died so far (:func:`.ray_deaths.dead_workers`)."""
        from .ray_deaths import dead_workers

        return dead_workers()
