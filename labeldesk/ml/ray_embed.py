"""Embedding a project on a Ray cluster: a Ray Data job, streamed into the vector store.

A project whose every image has a vector already ends at once, as a local run does
(:func:`labeldesk.ml.embed.nothing_to_embed`): no Ray started, no model loaded.

The project machine keeps the database and the vector store; the cluster gets only the
(content hash, path, short side) of each image still without a vector for the model.
Workers read and decode the images themselves and run the model in a pool of actors
that each load it once (:class:`labeldesk.ml.ray_worker.Embedder`, on a GPU when the
cluster has them), from the same pixels a local run uses.
Results stream back batch by batch and each is appended to the store as it arrives
(:mod:`.ray_results`), under the store's write lock, exactly as a local run appends: a
cancelled or failed job keeps every finished batch and the next run sends only the rest.
A head that goes away mid-job stops it within seconds
(:class:`~labeldesk.ml.ray_head.HeadWatch`) with a message saying what was kept.

The dataset executes inside a relay actor on the cluster
(:class:`labeldesk.ml.ray_worker.JobRelay`) that hands finished batches to this machine
one by one, so this machine may be a node of the cluster (``HOST:6379``) or a Ray Client
(``ray://HOST:10001``, where Ray Data itself cannot run).

Ray itself retries a worker that dies (the actor is restarted, its batch run again). A
problem the user must fix (see :mod:`labeldesk.ml.ray_cluster`) stops the job before
anything is written, or, found mid-job (a node with other code, a whole batch missing
on a node), stops it with the batches before it kept whole. Once the probe has shown
that the workers read the scanned files, one image missing there (deleted since the
scan) is listed as failed and the rest are embedded, as a local run does.
"""

from __future__ import annotations

import contextlib
import re
import shlex
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from pathlib import PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING, Any

import numpy as np

from labeldesk.core.db import DB_FILENAME
from labeldesk.core.display import counted
from labeldesk.core.errors import Cancelled
from labeldesk.core.failures import check_writable
from labeldesk.core.image_rows import usable_files
from labeldesk.core.indexed_files import stat_matches
from labeldesk.core.progress import CancelToken, Progress, ProgressCallback, no_progress

from .backbones import load_backbone
from .device import default_batch_size
from .embed import (
    EmbedReport,
    image_root_error,
    image_root_state,
    index_for_search,
    nothing_to_embed,
)
from .input_size import choose_model_spec
from .ray_address import check_reachable
from .ray_changed import all_changed_on_workers, probed_changed
from .ray_cluster import connect, import_ray, prepare_import
from .ray_errors import (
    STOPPED_STARTING,
    ClusterError,
    ClusterLost,
    ImageMissingOnWorker,
    ImagesDifferOnWorker,
)
from .ray_head import HeadWatch
from .ray_node_names import node_names
from .ray_nodes import ClusterShape, cluster_shape, death_window, probe_nodes
from .ray_notices import (
    NodeLost,
    Notices,
    alive_nodes,
    caught,
    losses_told,
    node_lost,
    noted,
)
from .ray_results import JobFailed, JobPlan, gone_here, run_job, store_results
from .ray_timing import JobTiming
from .runtime import RUNTIME_BATCH
from .store import current_once_stored, embeddings_dir, open_model_store, use_store
from .vectors import VectorStore

if TYPE_CHECKING:
    from labeldesk.core.project import Project

PROBE_SAMPLE = 3  # images each node must be able to read before the job starts
PROBE_LOOK = 200  # images looked at here to find that many still as scanned
NOTHING_WRITTEN = "nothing was written: run it again once the cluster is back"


@dataclass
class ClusterEmbedReport(EmbedReport):
    """An :class:`EmbedReport` that also says where the job ran."""

    address: str = ""  # as asked (``auto`` too)
    workers: int = 0
    nodes: int = 0
    head: str | None = None  # the head reached (``auto`` resolved); None: none asked
    timing: JobTiming | None = None  # where the time went (None: nothing ran)
    notices: list[str] = field(default_factory=list)  # what the cluster reported meanwhile

    def to_json(self) -> dict[str, Any]:
        data = super().to_json()
        del data["copies"]  # identical files are embedded once here too, but not counted
        data.update(engine="ray", address=self.address, workers=self.workers, nodes=self.nodes)
        data.update(head=self.head, notices=self.notices)
        data.update(timing=None if self.timing is None else self.timing.to_json())
        return data


def embed_on_ray(
    project: Project,
    model: str | None = None,
    *,
    address: str,
    workers: int | None = None,
    gpus_per_worker: float | None = None,
    remote_root: str | None = None,
    batch_size: int | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> ClusterEmbedReport:
    """Embed every usable image of ``project`` without a vector for ``model`` on the Ray
    cluster at ``address``; the same vectors as :func:`labeldesk.ml.embed.embed_project`.

    ``remote_root`` is where the workers find the image folder (a mount point or a URI
    such as ``s3://bucket/prefix``); by default the project's own image path. ``workers``
    is the most actors (default: one per node, or one per ``gpus_per_worker`` GPUs);
    ``gpus_per_worker`` defaults to 1 when the cluster has GPUs, else 0."""
    cancel = cancel or CancelToken()
    if workers is not None and workers < 1:
        raise ClusterError("--workers must be at least 1")
    if gpus_per_worker is not None and not gpus_per_worker >= 0:  # NaN too
        raise ClusterError("--gpus-per-worker must be a number of at least 0")
    check_remote_root(remote_root)
    spec = choose_model_spec(project, model)
    done = nothing_to_embed(project, spec)
    if done is not None:  # every image has a vector: no Ray, no model (as a local run)
        index_for_search(project, done, progress, cancel, only_missing=True)
        return _up_to_date(done, address)
    if remote_root is None:  # the workers read the image folder at its path here
        _check_root_before(project)
    project.require_writable()  # a project opened read-only
    check_writable(embeddings_dir(project), project.path / DB_FILENAME)  # before the cluster
    timing = JobTiming()
    began = timing.clock()
    with starting(cancel):
        prepare_import(address)
        ray = import_ray()
    # Ray's own lines (a worker died…; the autoscaler's failure, told as this process
    # joins), said in one each
    root = remote_root or str(project.root)
    client = address.strip().startswith("ray://")  # Ray Client: its log stream too
    with caught(client) as notices, noted(notices, timing):  # a failure says them too
        return _connected(
            project, ray, spec, address, root, (timing, began), notices, cancel, progress,
            workers=workers, gpus_per_worker=gpus_per_worker, batch_size=batch_size,
        )  # fmt: skip


def _connected(
    project: Project,
    ray: Any,
    spec: str,
    address: str,
    root: str,
    clock: tuple[JobTiming, float],
    notices: Notices,
    cancel: CancelToken,
    progress: ProgressCallback,
    **plan: Any,
) -> ClusterEmbedReport:
    """Connect, run the job (:func:`_job`), and leave the cluster (``clock``: the job's
    timing, and when it began)."""
    timing, began = clock
    with starting(cancel):
        check_reachable(address)  # before the model loads: a wrong address fails fast
        cancel.raise_if_cancelled()
        progress(Progress(0, 0, f"connecting to the Ray cluster at {address}"))
        owned = connect(ray, address, cancel)
    timing.connect_s = timing.clock() - began
    watch = HeadWatch.of(ray, address, cancel)
    try:
        report = _job(
            project, ray, spec, address, root, watch, timing, notices, cancel,
            progress=progress, **plan,
        )  # fmt: skip
    finally:
        if owned:
            ray.shutdown()  # ends this job's actors
    if not report.embedded and not report.cancelled:  # each image read as changed?
        changed = all_changed_on_workers(project, report.failed, root, address)
        if changed is not None:
            raise changed
    return report


def _job(
    project: Project,
    ray: Any,
    spec: str,
    address: str,
    root: str,
    watch: HeadWatch,
    timing: JobTiming,
    notices: Notices,
    cancel: CancelToken,
    *,
    workers: int | None,
    gpus_per_worker: float | None,
    batch_size: int | None,
    progress: ProgressCallback,
) -> ClusterEmbedReport:
    """The job, once this machine is connected to the cluster: its checks, then the
    batches stored as they come back."""
    checks_began = timing.clock()
    with starting(cancel):
        shape = watch.call(cluster_shape, ray)
        before = watch.call(alive_nodes, ray)  # a node gone mid-job is named
        notices.names = node_names(before)  # nodes sharing an address: by id too
        # before the model loads: a cluster without room (GPUs asked for that it
        # lacks) is said in seconds, not after the load
        plan = _plan(shape, workers, gpus_per_worker, batch_size)
        # the head reached (``auto`` resolved), for a view that names where it runs
        progress(Progress(0, 0, f"loading model {spec}", {"head": watch.head}))
        backbone = load_backbone(spec)
        cancel.raise_if_cancelled()
        report = ClusterEmbedReport(
            spec, backbone.identity.key, plan.device, address=address, nodes=shape.nodes,
            head=watch.head,
        )  # fmt: skip
        report.workers, report.input_size = plan.workers, backbone.identity.preprocess.size
        # The nodes are checked before the project is touched: a job that cannot run
        # leaves the project's current model and its store as they were.
        peek = _existing_store(project, backbone.identity.key, backbone.dim)
        if peek is not None and peek.legacy:  # refused before the project uses it
            raise ClusterError(_legacy_message(project, spec))
        sample = _probe_sample(project, _missing(project, peek, report))
        death_s = None  # the cluster's time to give up a node gone (None: this machine's)
        if sample:
            progress(Progress(0, 0, "checking the cluster's nodes"))
            try:
                death_s = death_window(probe_nodes(ray, root, sample, watch))
            except ImagesDifferOnWorker as exc:  # changed here too? then say to scan
                paths = [rel for _, rel in sample]
                changed = probed_changed(project, paths, root, address)
                if changed is None:
                    raise
                raise changed from exc
        cancel.raise_if_cancelled()  # the last moment at which nothing is written
    # The project switches to this model's store only once it holds vectors (as a
    # local run): a job that fails or is stopped before its first batch leaves the
    # project's embeddings in use, not an empty store.
    opened = open_model_store(project, spec, backbone)
    key = backbone.identity.key
    if opened.count and not opened.legacy:  # a run of this model stopped part-way
        use_store(project, key)
    try:
        with VectorStore.writer(opened.folder, backbone.dim, cancel=cancel) as store:
            if store.legacy:  # before current_once_stored: not made the project's
                raise ClusterError(_legacy_message(project, spec))
            with current_once_stored(project, store, key):
                report.rebuilt = store.rebuilt
                items = job_items(_missing(project, store, report))
                if items:
                    timing.checks_s = timing.clock() - checks_began
                    report.timing = timing  # (none when nothing was sent)
                    timing.job_started()
                    started = time.perf_counter()

                    def alive_now() -> dict[str, str]:
                        return watch.call(alive_nodes, ray)

                    def waited(seconds: float) -> None:  # Cancel still heard meanwhile
                        cancel.raise_if_cancelled()
                        time.sleep(seconds)

                    def said(text: str) -> None:  # the wait, on the progress line
                        progress(Progress(0, 0, text))

                    def explain(error: BaseException) -> NodeLost | None:  # a node gone?
                        return node_lost(
                            error, before, alive_now, notices, death_s=death_s, sleep=waited,
                            waiting=said,
                        )  # fmt: skip

                    try:
                        outputs = run_job(ray, items, spec, root, plan, watch, explain)
                        # through Ray Client, Ray's notices of workers and nodes lost
                        # went to its server: the cluster is asked at the job's end
                        client = notices if address.strip().startswith("ray://") else None
                        try:
                            with losses_told(client, outputs.dead_workers, before, alive_now):
                                store_results(
                                    outputs,
                                    store,
                                    report,
                                    key,
                                    len(items),
                                    progress,
                                    cancel,
                                    stored=lambda: use_store(project, key),
                                    gone_here=gone_here(project),
                                    timing=timing,
                                )
                        finally:
                            outputs.close()
                            report.seconds = time.perf_counter() - started
                    except ClusterLost as exc:
                        raise ClusterLost(_kept_text(exc, report, len(items))) from exc
                    except NodeLost as exc:  # the rest of the cluster can go on
                        raise NodeLost(_kept_text(exc, report, len(items), "")) from exc
                    except ImageMissingOnWorker as exc:  # a mount gone: what was kept
                        raise ImageMissingOnWorker(_kept_text(exc, report, len(items), "")) from exc
                    except JobFailed as exc:  # what was kept: said here, where it is known
                        failed = ClusterError(exc.said(exc.error, notices.names))
                        raise ClusterError(_kept_text(failed, report, len(items), "")) from exc
                    except KeyboardInterrupt as exc:  # "interrupted; …": what is kept
                        exc.add_note(_interrupted_text(report, len(items)))
                        raise
                if store.count and not report.cancelled:  # a fine-tune's: once whole
                    use_store(project, key, finished=True)
    except Cancelled:
        report.cancelled = True
    if not report.cancelled:  # built here, as a local run does: not at the first search
        index_for_search(project, report, progress, cancel)
    report.notices = notices.lines()
    return report


@contextlib.contextmanager
def starting(cancel: CancelToken) -> Iterator[None]:
    """The job's start, before anything is written: a head gone is said with
    NOTHING_WRITTEN, Cancel and Ctrl+C with STOPPED_STARTING."""
    try:
        yield
    except ClusterLost as exc:
        raise ClusterLost(f"{exc}; {NOTHING_WRITTEN}") from exc
    except Cancelled as exc:
        raise Cancelled(STOPPED_STARTING) from exc
    except KeyboardInterrupt as exc:  # Ctrl+C, SIGTERM: the command says "interrupted; …"
        exc.add_note(STOPPED_STARTING)
        raise


def _check_root_before(project: Project) -> None:
    """The image folder here is empty, the mount point a drive not mounted leaves: the
    workers, reading the images at the same path, would most likely find none either (a
    local run stops there too). Said before Ray starts or the model loads. A folder not
    here at all is let through: the images may be only where the workers are."""
    if image_root_state(project.root) == "empty":
        why = "the Ray workers would read the images there too"
        hint = "if they see the images elsewhere, name that place with --remote-root; "
        raise image_root_error(project.root, "empty", why, hint)


_NOT_IN_URI = re.compile(r"[\s<>\"{}|\\^`]")


def check_remote_root(remote_root: str | None) -> None:
    """A URI ``--remote-root`` that a URI cannot hold as written (a space, a tab, a
    quote): said here, with the way to write it, not by each node's parser later
    ("the nodes did not answer: ArrowInvalid")."""
    if remote_root and "://" not in remote_root and not _absolute(remote_root):
        # each worker would look for it under its own working folder: "not found", late
        raise ClusterError(
            f"--remote-root {remote_root!r} is a relative path; it must be where the workers "
            "see the image folder: an absolute path (/mnt/photos) or a URI (s3://bucket/"
            "prefix, gs://..., hdfs://..., file:///...)"
        )
    if remote_root and "://" in remote_root:
        bad = _NOT_IN_URI.search(remote_root)
        if bad:
            raise ClusterError(
                f"--remote-root {remote_root!r} is a URI and holds {bad.group()!r}, which a "
                "URI cannot hold as written: percent-encode it (a space is %20)"
            )


def _absolute(path: str) -> bool:
    """Absolute on the workers, whatever their system: ``/mnt/x``, ``C:\\x``, ``\\\\srv\\x``."""
    return PurePosixPath(path).is_absolute() or PureWindowsPath(path).is_absolute()


def _legacy_message(project: Project, spec: str) -> str:
    """Why a store written before the store's format is not continued on a cluster, and
    the local run that checks it (with this model: it may not be the project's)."""
    command = shlex.join(["labeldesk", "embed", str(project.path), "--model", spec])
    return (
        f"the embeddings of {spec} in this project were written by an older LabelDesk: "
        f"run `{command}` here once to check them first"
    )


def _kept_text(
    lost: ClusterError, report: EmbedReport, todo: int, when: str = " once the cluster is back"
) -> str:
    """The cluster (or a node) went away mid-job, or the job failed there: what is kept
    (every batch that came back was appended whole), or that nothing had come back, and
    how to go on."""
    if not report.embedded and report.failed:  # batches came back, each image failed
        return f"{lost}; no image had been embedded yet: run it again{when}"
    if not report.embedded:
        return f"{lost}; no batch had come back yet: run it again{when}"
    return f"{lost}; {_kept_and_left(report, todo)}: run it again{when}, and it embeds only those"


def _interrupted_text(report: EmbedReport, todo: int) -> str:
    """Ctrl+C or SIGTERM while the batches come back: what is kept (each batch that came
    back was appended whole) and how to go on."""
    if not report.embedded:
        return (
            "stopped on the Ray cluster before its first batch came back: run it again to "
            f"embed the {counted(todo, 'image')}"
        )
    return (
        f"stopped on the Ray cluster; {_kept_and_left(report, todo)}: run it again, and it "
        "embeds only those"
    )


def _kept_and_left(report: EmbedReport, todo: int) -> str:
    """What a stopped job kept and what is left of ``todo``: "the 3 images embedded
    before that are kept and 5 are left"."""
    left = todo - report.embedded
    return (
        f"the {counted(report.embedded, 'image')} embedded before that are kept and "
        f"{left:,} {'is' if left == 1 else 'are'} left"
    )


def _up_to_date(done: EmbedReport, address: str) -> ClusterEmbedReport:
    """:func:`nothing_to_embed`'s report as this job's: nothing ran, so no nodes,
    workers, device, runtime or precision to tell (that report leaves them empty)."""
    values = {f.name: getattr(done, f.name) for f in fields(EmbedReport)}
    return ClusterEmbedReport(**values, address=address)


def _plan(
    shape: ClusterShape, workers: int | None, gpus: float | None, batch_size: int | None
) -> JobPlan:
    """Workers, GPUs each and batch size for this cluster; an impossible ask fails now
    (Ray would wait forever for resources that never come)."""
    if gpus is None:
        gpus = 1.0 if shape.gpus >= 1 else 0.0
    if gpus > 0:
        if shape.gpus < gpus:
            raise ClusterError(
                f"the cluster has {shape.gpus:g} GPUs; a worker asks for {gpus:g} "
                "(use --gpus-per-worker 0 to embed on CPUs)"
            )
        fits = int(shape.gpus // gpus)
    else:
        if shape.cpus < 1:
            raise ClusterError("the cluster has no CPU for a worker")
        fits = int(shape.cpus)
    default = fits if gpus > 0 else max(1, min(shape.nodes, fits))
    device = "cuda" if gpus > 0 else "cpu"
    batch = batch_size or (default_batch_size(device) if gpus > 0 else RUNTIME_BATCH)
    most = workers or default
    return JobPlan(most, gpus, batch, device, start=max(1, min(most, fits)))


def _existing_store(project: Project, key: str, dim: int) -> VectorStore | None:
    """The model's store if there is one, opened read-only (nothing is created)."""
    folder = embeddings_dir(project) / key
    return VectorStore(folder, dim) if (folder / "identity.json").exists() else None


def _missing(project: Project, store: VectorStore | None, report: EmbedReport) -> list[Any]:
    """One image row for each content without a vector, in hash order (pseudo-random
    across folders, as a local run: a partial job leaves a fair sample)."""
    rows = usable_files(project.db)
    report.total = len(rows)
    todo: dict[str, Any] = {}
    hashes = [r["hash"] for r in rows]
    have = store.rows_for(hashes) if store is not None else np.full(len(rows), -1)
    for row, found in zip(rows, have, strict=True):
        if found < 0:
            todo.setdefault(row["hash"], row)
    return [todo[digest] for digest in sorted(todo)]


def job_items(rows: list[Any]) -> list[tuple[str, str, int]]:
    """What a worker gets of each image: (hash, path, short side as scanned, 0 when
    unknown); the side picks the pixels it embeds, as a local run's do."""
    return [
        (r["hash"], r["path"], min(r["width"], r["height"]) if r["width"] and r["height"] else 0)
        for r in rows
    ]


def _probe_sample(project: Project, rows: list[Any]) -> list[tuple[str, str]]:
    """(hash, path) of the first images to embed whose file here is still as scanned
    (same size, mtime and change time: bytes rewritten with the old time put back move
    the change time): one deleted or edited since the scan says nothing about the
    workers' root. The first ones when none is found here."""
    sample: list[tuple[str, str]] = []
    for row in rows[:PROBE_LOOK]:
        try:
            st = project.image_path(row["path"]).stat()
        except OSError:
            continue
        if stat_matches(st, (row["size"], row["mtime_ns"], row["ctime_ns"])):
            sample.append((row["hash"], row["path"]))
            if len(sample) == PROBE_SAMPLE:
                break
    return sample or [(r["hash"], r["path"]) for r in rows[:PROBE_SAMPLE]]
