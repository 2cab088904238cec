"""The embedding runner: incremental, resumable, decode overlapped with inference.

Pixels come from the scan's cached thumbnail when it is at least the model's input size
(224 px short side), else from the original image, decoded at the size the model needs
(JPEG DCT scaling, :mod:`labeldesk.ml.embed_decode`). Long runs decode in worker
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
When every usable image already has a vector in the store a run would continue, the run
ends at once without loading the model (:func:`nothing_to_embed`): loading it and
preparing its engine took seconds for nothing.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from labeldesk.core.db import DB_FILENAME
from labeldesk.core.display import counted
from labeldesk.core.errors import Cancelled, ImageRootError, ScanNeeded
from labeldesk.core.failures import check_writable
from labeldesk.core.image_rows import usable_files
from labeldesk.core.model_versions import model_shown
from labeldesk.core.progress import CancelToken, Progress, ProgressCallback, no_progress

from .backbones import Backbone, load_backbone
from .device import default_batch_size, resolve_device
from .embed_decode import (  # the decode side; names kept here for existing callers
    CHANGED,
    PROCESS_POOL_MIN_BATCHES,
    ImageFiles,
    Item,
    _decode_pool,
    _load_batch,
    _pool_width,
    _prefetch,
    _short_side,
    decode_workers,
    source_image,
)
from .embed_speed import EmbedSpeed, record_speed
from .errors import NoEmbeddings
from .input_size import choose_model_spec
from .runtime import RUNTIME_BATCH, Features, load_runner, resolve_runtime
from .store import (
    SPEC_NAME,
    current_key,
    current_once_stored,
    current_store,
    embeddings_dir,
    open_model_store,
    recorded_spec,
    stored_input_size,
    use_store,
)
from .store_index import ready_for_search
from .storecheck import verify_legacy_store
from .vectors import VectorStore

if TYPE_CHECKING:
    from labeldesk.core.project import Project

log = logging.getLogger(__name__)
INDEX_INTERRUPTED = (
    "every embedding is kept; the search index for similar images was not saved "
    "(the next `labeldesk embed` or `labeldesk similar` builds it)"
)
BOTTLENECK_MIN_S = 10.0  # shorter runs: starting the decode workers alone shows as waiting


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
    up_to_date: bool = False  # every usable image had a vector: the model was not loaded
    # Where the run's seconds went: the model waiting for decoded images (decoding is the
    # bottleneck when this is most of it), and the model itself.
    waiting_s: float = 0.0
    model_s: float = 0.0
    # Images that needed a vector and got one embedded for another image: identical
    # files are embedded once ("398 embedded" of 403 needed 5 words more).
    copies: int = 0
    # Seconds spent at the end building or extending the similar-image search's index
    # (store_index.ready_for_search), so that the first search does not; None: no need.
    index_s: float | None = None
    # Cancelled while that index was built: every vector is kept, no index was saved
    # (the next run or the first search builds it).
    index_unsaved: bool = False

    def up_to_date_text(self) -> str:
        """What a run with nothing to do says: "All 600 images already have embeddings"."""
        if self.total == 1:
            return "The one image already has an embedding"
        return f"All {self.total:,} images already have embeddings"

    def decode_limited(self) -> float | None:
        """The share of the run the model waited for decoded images, when that was most
        of a run of BOTTLENECK_MIN_S or more (a fast GPU beside few cores); else None."""
        if self.seconds < BOTTLENECK_MIN_S or self.waiting_s < 0.5 * self.seconds:
            return None
        return self.waiting_s / self.seconds

    @property
    def images_per_s(self) -> float:
        return self.embedded / self.seconds if self.seconds > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "key": self.key,
            # nothing ran when every image had a vector: no device, engine or arithmetic
            # to tell (the vectors may have been made with others), so these are null
            "device": None if self.up_to_date else self.device,
            "embedded": self.embedded,
            "copies": self.copies,
            "total": self.total,
            "seconds": round(self.seconds, 3),
            "images_per_s": round(self.images_per_s, 2),
            "cancelled": self.cancelled,
            "failed": self.failed,
            "checked": self.checked,
            "rebuilt": self.rebuilt,
            "engine": "local",  # "ray" for embed --ray (ray_embed): one key for scripts
            "runtime": None if self.up_to_date else self.runtime,
            "precision": None if self.up_to_date else self.precision,
            "input_size": self.input_size,
            "up_to_date": self.up_to_date,
            "waiting_for_images_s": round(self.waiting_s, 3),
            "model_s": round(self.model_s, 3),
            "search_index_s": None if self.index_s is None else round(self.index_s, 3),
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
    done = nothing_to_embed(project, model, backbone.identity.key if backbone else None)
    if done is not None:  # no engine runs: the report names none
        # an index a killed run never saved is built now, not at the first search
        index_for_search(project, done, progress, cancel, only_missing=True)
        return done
    # a read-only project says so now, not after loading the model and embedding
    project.require_writable()  # a project opened read-only
    check_writable(embeddings_dir(project), project.path / DB_FILENAME)
    began = time.perf_counter()
    shown = model_shown(project.db, project.path, model)  # a fine-tune: not its path
    progress(Progress(0, 0, f"loading {shown}" if shown != model else f"loading model {model}"))
    if backbone is None:
        with cancel.may_be_killed():  # writes nothing (the model cache: load_runner)
            backbone = load_backbone(model)
    opened = open_model_store(project, model, backbone)
    folder, key = opened.folder, backbone.identity.key
    if opened.count:  # a run of this model stopped part-way: its store is the current one
        use_store(project, key)  # (an awaited fine-tune's: once finished, use_store)
    report = EmbedReport(model, key, device)
    report.input_size = backbone.identity.preprocess.size

    def waiting() -> None:
        progress(Progress(0, 0, "waiting for another embedding run of this project to finish"))

    try:
        # One writer at a time (the app and a CLI command may both embed): the second
        # waits, then finds what the first already did and computes only the rest.
        with (
            VectorStore.writer(folder, backbone.dim, cancel=cancel, on_wait=waiting) as store,
            current_once_stored(project, store, key),
        ):
            # a Cancel while the model loaded (seconds, after the app's child process
            # started): stop before preparing its engine, not at the first batch after it
            cancel.raise_if_cancelled()
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
            if not report.cancelled:  # for a fine-tune's estimate of its re-embedding
                setup_s = time.perf_counter() - began - report.seconds
                identity = backbone.identity
                speed = EmbedSpeed(
                    report.images_per_s, setup_s, device, report.runtime,
                    identity.architecture, identity.preprocess.size,
                )  # fmt: skip
                record_speed(folder, speed, report.embedded)
            if store.count and not report.cancelled:  # a fine-tune's: used once whole
                use_store(project, key, finished=True)
    except Cancelled:
        report.cancelled = True
    if report.failed and not report.embedded and not report.cancelled:
        _check_root_after(project, len(report.failed))
        _check_not_all_changed(report.failed)
    if not report.cancelled:
        index_for_search(project, report, progress, cancel)
    return report


def index_for_search(
    project: Project,
    report: EmbedReport,
    progress: ProgressCallback,
    cancel: CancelToken,
    *,
    only_missing: bool = False,
) -> None:
    """Build or extend the similar-image search's index at the end of a run
    (:func:`~labeldesk.ml.store_index.ready_for_search`), its seconds in the report. A
    cancel while it is built marks the run cancelled: every vector is kept, no index is
    saved, and the next search or run builds it."""
    try:
        report.index_s = ready_for_search(
            project, report.key, progress, only_missing=only_missing, cancel=cancel
        )
    except Cancelled:
        report.cancelled = report.index_unsaved = True
    except KeyboardInterrupt as exc:  # Ctrl+C in a terminal: say what was kept
        exc.add_note(INDEX_INTERRUPTED)
        raise


def _check_not_all_changed(failed: list[dict[str, str]]) -> None:
    """Every image a run tried changed since the last scan (a folder copied back, files
    edited in place): an error that says to scan, not a run that ends as if done with
    nothing embedded (exit 0, "0 images embedded")."""
    from .embed_decode import CHANGED

    if any(f["reason"] != CHANGED for f in failed):
        return  # some could not be read: the report lists them, each with its reason
    paths = sorted(f["path"] for f in failed)
    first = ", ".join(paths[:3]) + (", …" if len(paths) > 3 else "")
    raise ScanNeeded(
        f"nothing was embedded: the {counted(len(paths), 'image')} to embed changed since "
        f"the last scan ({first}); run `labeldesk scan PROJECT` to index them as they are "
        "now, then run `labeldesk embed PROJECT`"
    )


def _check_root_after(project: Project, failed: int) -> None:
    """Every image a run tried failed and the image folder is gone or empty
    (:func:`image_root_state`): an error that says so, not a run that ends as if done (a
    big photo's thumbnail can stand in for its file, so the run is tried first)."""
    state = image_root_state(project.root)
    if state is not None:
        why = f"none of the {counted(failed, 'image')} to embed could be read"
        raise image_root_error(project.root, state, why)


def image_root_state(root: Path) -> str | None:
    """Whether the image folder is "missing" (moved, renamed, an unmounted drive) or
    "empty" (the mount point an unmounted drive leaves); None when it holds something
    (or cannot be listed: reading its files says why)."""
    if not root.is_dir():
        return "missing"
    try:
        with os.scandir(root) as entries:
            return "empty" if next(entries, None) is None else None
    except OSError:
        return None


def image_root_error(root: Path, state: str, why: str, hint: str = "") -> ImageRootError:
    """The error of an embedding run stopped by the image folder's ``state``
    (:func:`image_root_state`): ``why`` nothing could be done, ``hint`` a way on."""
    return ImageRootError(
        f"image folder {root} is {state} (moved, renamed, or on a drive that is not "
        f"mounted): {why}, and nothing was embedded; {hint}if it moved, run "
        "`labeldesk scan PROJECT --images NEW_FOLDER`"
    )


def nothing_to_embed(project: Project, spec: str, key: str | None = None) -> EmbedReport | None:
    """The report of a run with nothing to do when every usable image already has a
    vector in the store that embedding with ``spec`` would continue, found without
    loading the model; None when some image lacks one, or when only the loaded model
    could tell which store that is (another model or input size than the current
    embeddings') or the store needs the model (damaged, an older version's to check).

    ``key``: the store's key, when the caller has the backbone; else the store is the
    project's current one, if ``spec`` is the spec it was made with. Like a run, this
    makes that store the project's current one. Nothing runs, so its ``device``,
    ``runtime`` and ``precision`` are empty (null in its JSON)."""
    if key is None:  # without the model, only the current store is known: made with spec?
        key = current_key(project)
        if key is None or recorded_spec(embeddings_dir(project) / key) != spec:
            return None
    elif not (embeddings_dir(project) / key / SPEC_NAME).exists():
        return None  # a run records the spec: leave it to one
    try:
        store = current_store(project, key)
    except NoEmbeddings:
        return None
    if store.damaged or store.legacy or not store.count:
        return None
    rows = usable_files(project.db)
    if not rows or bool((store.rows_for([r["hash"] for r in rows]) < 0).any()):
        return None
    use_store(project, key, finished=True)
    report = EmbedReport(spec, key, "", total=len(rows), up_to_date=True, runtime="", precision="")
    report.input_size = stored_input_size(store)
    return report


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
    copies: dict[str, int] = {}  # hash -> how many more images without a vector hold it
    have = store.rows_for([r["hash"] for r in rows])
    for row, found in zip(rows, have, strict=True):
        if found < 0 and row["hash"] in todo:
            copies[row["hash"]] = copies.get(row["hash"], 0) + 1
        elif found < 0:
            todo[row["hash"]] = (
                row["hash"],
                row["path"],
                _short_side(row),
                row["size"],
                row["mtime_ns"],
                row["ctime_ns"],
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
    batch_count = len(items) // max(1, batch_size)
    with (
        _decode_pool(batch_count) as pool,
        ThreadPoolExecutor(1, thread_name_prefix="store-writer") as writer,
    ):
        pre = backbone.identity.preprocess
        batches = _prefetch(pool, files, items, batch_size, pre, parts=_pool_width(batch_count))
        writing: Future[None] | None = None
        asked = time.perf_counter()
        for hashes, pixels, failed in batches:
            report.waiting_s += time.perf_counter() - asked
            if cancel.cancelled:
                report.cancelled = True
                break
            report.failed += failed
            if hashes:
                began = time.perf_counter()
                vectors = net(pixels)
                report.model_s += time.perf_counter() - began
                if writing is not None:
                    writing.result()
                    stored()
                writing = writer.submit(store.append, hashes, vectors)
            report.embedded += len(hashes)
            report.copies += sum(copies.get(h, 0) for h in hashes)
            done = report.embedded + len(report.failed)
            progress(Progress(done, len(items), "embedding"))
            asked = time.perf_counter()
        if writing is not None:
            writing.result()
    report.seconds = time.perf_counter() - started


__all__ = [
    "CHANGED",
    "PROCESS_POOL_MIN_BATCHES",
    "EmbedReport",
    "ImageFiles",
    "current_store",
    "decode_workers",
    "embed_project",
    "embeddings_dir",
    "nothing_to_embed",
    "source_image",
]
