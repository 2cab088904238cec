"""The embedding runner: incremental, resumable, decode overlapped with inference.

Pixels come from the scan's cached thumbnail when it is at least the model's input size
(224 px short side), else from the original image, decoded at the size the model needs
(JPEG DCT scaling, :func:`labeldesk.ml.preprocess.prepare`). Long runs decode in worker
processes (one fewer than the cores), short ones and daemonic processes in threads;
either way the next batches decode while the model (:mod:`labeldesk.ml.runtime`) runs.
Decoding is not what limits speed: about 1 ms an image on one core here, against 8-10 ms
of inference; processes and threads measured alike on 2 cores (2,048 Fashion-MNIST PNGs:
96-102 img/s against 100-101).

Only images whose content hash has no vector for the chosen model are computed. Each
finished batch is appended to the model's vector store, so a cancelled or killed run
keeps its work and the next run continues where it stopped. An original edited since
the scan is skipped (its vector would be stored under the old content's hash). A store
written by an older version is checked on a sample first (:mod:`labeldesk.ml.storecheck`).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from labeldesk.core.errors import Cancelled
from labeldesk.core.image_rows import usable_files
from labeldesk.core.imageio import hash_file, thumbnail_path
from labeldesk.core.progress import CancelToken, Progress, ProgressCallback, no_progress

from .backbones import Backbone, Preprocess, load_backbone
from .device import default_batch_size, resolve_device, usable_cores
from .input_size import choose_model_spec
from .preprocess import prepare_into
from .runtime import RUNTIME_BATCH, Features, load_runner, resolve_runtime
from .store import current_store, embeddings_dir, open_model_store, use_store
from .storecheck import verify_legacy_store
from .vectors import VectorStore

if TYPE_CHECKING:
    from labeldesk.core.project import Project

log = logging.getLogger(__name__)
PREFETCH_BATCHES = 2
DECODE_THREADS = 2  # where worker processes cannot be had (a daemonic child process)
PROCESS_POOL_MIN_BATCHES = 16  # fewer: starting processes (~0.5 s) costs more than it saves


@dataclass(frozen=True)
class ImageFiles:
    """Where a project's images and thumbnails are: all that decoding needs of it, and
    picklable, so worker processes can decode (the project's database stays here)."""

    root: Path
    thumbs_dir: Path

    def image_path(self, rel: str) -> Path:
        return self.root / rel


@dataclass
class EmbedReport:
    model: str
    key: str
    device: str
    embedded: int = 0
    total: int = 0
    seconds: float = 0.0
    cancelled: bool = False
    failed: list[dict[str, str]] = field(default_factory=list)
    checked: int = 0  # rows of an older version's store re-embedded to check it
    rebuilt: str | None = None  # why the stored vectors were discarded, if they were
    runtime: str = "torch"  # the engine that ran the model (labeldesk.ml.runtime)
    precision: str = "f32"  # its arithmetic: "f32+bf16" for OpenVINO's mixed engine
    input_size: int = 0  # the side, in pixels, of the model's input

    @property
    def images_per_s(self) -> float:
        return self.embedded / self.seconds if self.seconds > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "key": self.key,
            "device": self.device,
            "embedded": self.embedded,
            "total": self.total,
            "seconds": round(self.seconds, 3),
            "images_per_s": round(self.images_per_s, 2),
            "cancelled": self.cancelled,
            "failed": self.failed,
            "checked": self.checked,
            "rebuilt": self.rebuilt,
            "runtime": self.runtime,
            "precision": self.precision,
            "input_size": self.input_size,
        }


def embed_project(
    project: Project,
    model: str | None = None,
    *,
    device: str = "auto",
    batch_size: int | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
    backbone: Backbone | None = None,
    runtime: str = "auto",
) -> EmbedReport:
    """Embed every usable image of ``project`` that has no vector for ``model`` yet.

    ``runtime`` picks the engine (:mod:`labeldesk.ml.runtime`): ``auto`` is OpenVINO on
    the CPU and PyTorch on a GPU; every engine gives the same vectors. ``model`` None is
    the project's current model, else the bundled one (:mod:`labeldesk.ml.input_size`);
    ``MODEL:SIZE`` sets the input size."""
    cancel = cancel or CancelToken()
    device = resolve_device(device)
    resolve_runtime(runtime, device)  # a bad choice fails now, before any work
    if backbone is None:
        model = choose_model_spec(project, model)
    elif model is None:
        model = backbone.identity.name
    progress(Progress(0, 0, f"loading model {model}"))
    backbone = backbone or load_backbone(model)
    opened = open_model_store(project, model, backbone)
    folder, key = opened.folder, backbone.identity.key
    if opened.count:  # a run of this model stopped part-way: its store is the current one
        use_store(project, key)
    report = EmbedReport(model, key, device)
    report.input_size = backbone.identity.preprocess.size

    def waiting() -> None:
        progress(Progress(0, 0, "waiting for another embedding run of this project to finish"))

    try:
        # One writer at a time (the app and a CLI command may both embed): the second
        # waits, then finds what the first already did and computes only the rest.
        with (
            VectorStore.writer(folder, backbone.dim, cancel=cancel, on_wait=waiting) as store,
            _current_once_stored(project, store, key),
        ):
            progress(Progress(0, 0, "preparing the model"))
            runner = load_runner(backbone, device, runtime)
            report.runtime, report.precision = runner.name, runner.precision
            net = runner.features
            batch = batch_size or (
                default_batch_size(device) if runner.name == "torch" else RUNTIME_BATCH
            )
            if store.legacy:
                progress(Progress(0, 0, "checking embeddings made by an older version"))

                def embed_sample(
                    items: Sequence[tuple[str, str]], originals: bool
                ) -> tuple[list[str], np.ndarray]:
                    return _embed_items(project, net, backbone, batch, items, originals, cancel)

                report.checked = verify_legacy_store(project, store, embed_sample).checked
            report.rebuilt = store.rebuilt

            def stored() -> None:  # a batch is on disk: the project may use the store now
                use_store(project, key)

            _embed_missing(project, backbone, net, store, report, batch, progress, cancel, stored)
    except Cancelled:
        report.cancelled = True
    return report


@contextmanager
def _current_once_stored(project: Project, store: VectorStore, key: str) -> Iterator[None]:
    """Make ``store`` the project's embeddings when the run ends (finished, cancelled or
    failed) if it holds vectors by then; an empty one leaves the project's as they were."""
    try:
        yield
    finally:
        if store.count:
            use_store(project, key)


def _embed_items(
    project: Project,
    net: Features,
    backbone: Backbone,
    batch_size: int,
    items: Sequence[Item],
    originals: bool,
    cancel: CancelToken,
) -> tuple[list[str], np.ndarray]:
    """Vectors of ``items`` (hash, path) whose image still has that content; the rest are
    left out (checking a store must not judge it by an edited or missing file). With
    ``originals`` the original files are read even where a thumbnail would do."""
    done: list[str] = []
    parts = [np.zeros((0, backbone.dim), np.float32)]
    pre = backbone.identity.preprocess
    for start in range(0, len(items), batch_size):
        cancel.raise_if_cancelled()
        chunk = items[start : start + batch_size]
        hashes, pixels, _ = _load_batch(
            project, chunk, pre, check_content=True, originals=originals
        )
        if hashes:
            done += hashes
            parts.append(net(pixels))
    return done, np.concatenate(parts)


def _embed_missing(
    project: Project,
    backbone: Backbone,
    net: Features,
    store: VectorStore,
    report: EmbedReport,
    batch_size: int,
    progress: ProgressCallback,
    cancel: CancelToken,
    stored: Callable[[], None] = lambda: None,
) -> None:
    """Embed what ``store`` lacks; ``stored`` is called once a batch is on disk (the
    first one makes the store the project's current embeddings)."""
    rows = usable_files(project.db)
    todo: dict[str, Item] = {}  # hash -> one image with that content
    have = store.rows_for([r["hash"] for r in rows])
    for row, found in zip(rows, have, strict=True):
        if found < 0 and row["hash"] not in todo:
            todo[row["hash"]] = (
                row["hash"],
                row["path"],
                _short_side(row),
                row["size"],
                row["mtime_ns"],
            )
    report.total = len(rows)
    # In content-hash order: pseudo-random across folders, so a run that is cancelled
    # part-way (or still going) leaves vectors for every class and split, not only for
    # the first folders, and the map, search and queue work on a fair sample meanwhile.
    items = [todo[digest] for digest in sorted(todo)]
    started = time.perf_counter()
    progress(Progress(0, len(items), "embedding"))
    files = ImageFiles(project.root, project.thumbs_dir)
    # The store's append ends in two fsyncs; a writer thread does it while the model runs
    # on the next batch. One write in flight at most, in order: a failed write (a full
    # disk) is raised at the next batch or at the end, with every batch before it kept.
    with (
        _decode_pool(len(items) // max(1, batch_size)) as pool,
        ThreadPoolExecutor(1, thread_name_prefix="store-writer") as writer,
    ):
        batches = _prefetch(pool, files, items, batch_size, backbone.identity.preprocess)
        writing: Future[None] | None = None
        for hashes, pixels, failed in batches:
            if cancel.cancelled:
                report.cancelled = True
                break
            report.failed += failed
            if hashes:
                vectors = net(pixels)
                if writing is not None:
                    writing.result()
                    stored()
                writing = writer.submit(store.append, hashes, vectors)
            report.embedded += len(hashes)
            done = report.embedded + len(report.failed)
            progress(Progress(done, len(items), "embedding"))
        if writing is not None:
            writing.result()
    report.seconds = time.perf_counter() - started


Batch = tuple[list[str], np.ndarray, list[dict[str, str]]]
# (content hash, path[, the image's short side in pixels (0 when unknown), and the file's
# size and mtime_ns when it was scanned])
Item = tuple[str, str] | tuple[str, str, int, int, int]
CHANGED = "changed since the last scan; run `labeldesk scan`"


class ChangedSinceScan(Exception):
    """The original file is not what the index's content hash describes."""


def _short_side(row: Any) -> int:
    width, height = row["width"], row["height"]
    return min(width, height) if width and height else 0


def decode_workers() -> int:
    """One fewer than the cores this process may use (the model needs one), at least 1."""
    return max(1, usable_cores() - 1)


def _decode_pool(batches: int) -> Executor:
    """Worker processes for decoding, so it never holds the GIL the runtime's callbacks
    need; threads in a daemonic process (the app's embedding child may have no children)
    and for runs too short to repay starting processes."""
    if batches >= PROCESS_POOL_MIN_BATCHES and not multiprocessing.current_process().daemon:
        # spawn: fork would copy the runtime's threads (and the app's Qt) into the workers
        context = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(max_workers=decode_workers(), mp_context=context)
    return ThreadPoolExecutor(max_workers=DECODE_THREADS, thread_name_prefix="decode")


def _prefetch(
    pool: Executor,
    files: ImageFiles,
    items: Sequence[Item],
    batch_size: int,
    pre: Preprocess,
) -> Iterator[Batch]:
    """Decode upcoming batches in workers while the caller runs the model on this one."""
    chunks = [items[i : i + batch_size] for i in range(0, len(items), batch_size)]
    queue: deque[Future[Batch]] = deque()
    for chunk in chunks[:PREFETCH_BATCHES]:
        queue.append(pool.submit(_load_batch, files, chunk, pre))
    next_chunk = PREFETCH_BATCHES
    while queue:
        batch = queue.popleft().result()
        if next_chunk < len(chunks):
            queue.append(pool.submit(_load_batch, files, chunks[next_chunk], pre))
            next_chunk += 1
        yield batch


def _load_batch(
    project: Project | ImageFiles,
    chunk: Sequence[Item],
    pre: Preprocess,
    *,
    check_content: bool = False,
    originals: bool = False,
    changed: str = CHANGED,
) -> Batch:
    """Pixels of each item, from :func:`source_image` or with ``originals`` from the
    original. An original whose size or mtime is not the scan's is left out (listed with
    the reason ``changed``), and with ``check_content`` one whose content is no longer
    ``hash`` (a thumbnail is named by the content it shows, so it needs no check)."""
    hashes: list[str] = []
    failed: list[dict[str, str]] = []
    pixels = np.empty((len(chunk), pre.size, pre.size, 3), np.uint8)
    for item in chunk:
        digest, path = item[0], item[1]
        try:
            source = (
                project.image_path(path)
                if originals
                else source_image(project, digest, path, pre.size, short_side=_known(item))
            )
            row = pixels[len(hashes)]
            if source.parent.parent != project.thumbs_dir or not _from_thumbnail(source, pre, row):
                source = project.image_path(path)
                if _stat_changed(source, item) or (check_content and hash_file(source) != digest):
                    raise ChangedSinceScan(changed)
                prepare_into(source, pre, row)
            hashes.append(digest)
        except ChangedSinceScan as exc:
            failed.append({"path": path, "reason": str(exc)})
        except Exception as exc:
            failed.append({"path": path, "reason": f"{type(exc).__name__}: {exc}"})
    return hashes, pixels[: len(hashes)], failed


def _from_thumbnail(thumb: Path, pre: Preprocess, out: np.ndarray) -> bool:
    """Decode the cached thumbnail into ``out``; False when it does not decode fully (cut
    short by a full disk, damaged): the original is read instead, and the broken file is
    deleted so the next request for it (:meth:`Project.thumbnail`) makes it again."""
    try:
        prepare_into(thumb, pre, out)
        return True
    except Exception as exc:  # any failure of a cache file means: use the original
        log.warning("thumbnail %s cannot be decoded (%s); reading the original", thumb, exc)
    with contextlib.suppress(OSError):  # a read-only cache: the original is read each time
        thumb.unlink(missing_ok=True)
    return False


def _known(item: Item) -> int:
    return item[2] if len(item) > 2 else 0


def _stat_changed(source: Path, item: Item) -> bool:
    """The original's size or mtime differs from the scan's: its pixels may not be the
    content ``item``'s hash names, and a vector stored under that hash would be wrong for
    every duplicate of it. One stat, no read (a thumbnail is named by its content)."""
    if len(item) < 5:
        return False
    st = source.stat()
    return (st.st_size, st.st_mtime_ns) != (item[3], item[4])


def source_image(
    project: Project | ImageFiles, digest: str, rel: str, size: int, *, short_side: int = 0
) -> Path:
    """The cached thumbnail when it is big enough for the model (short side >= ``size``),
    else the original: a 12 MP photo then costs a 300×224 decode, not a full one. An
    image whose ``short_side`` (from the index; 0 = unknown) is below ``size`` has no such
    thumbnail (thumbnails never enlarge), so the original is used without opening one.
    Only the thumbnail's header is read here: one that then fails to decode is replaced
    by the original in :func:`_load_batch`."""
    from PIL import Image

    if 0 < short_side < size:
        return project.image_path(rel)
    thumb = thumbnail_path(project.thumbs_dir, digest)
    try:
        with Image.open(thumb) as img:
            if min(img.size) >= size:
                return thumb
    except OSError:
        pass  # no thumbnail (or a broken one): the original will do
    return project.image_path(rel)


__all__ = ["EmbedReport", "current_store", "embed_project", "embeddings_dir"]
