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
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from labeldesk.core.db import DB_FILENAME
from labeldesk.core.errors import Cancelled
from labeldesk.core.failures import check_writable
from labeldesk.core.progress import CancelToken, Progress, ProgressCallback, no_progress

from .backbones import load_backbone
from .embed import (
    EmbedReport,
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
from .ray_job_input import (
    check_remote_root,
    check_root_before,
    existing_store,
    job_items,
    job_plan,
    missing,
    probe_sample,
)
from .ray_kept_words import interrupted_text, kept_text, legacy_message
from .ray_node_names import node_names
from .ray_nodes import cluster_shape, death_window, probe_nodes
from .ray_notices import (
    NodeLost,
    Notices,
    alive_nodes,
    caught,
    losses_told,
    node_lost,
    noted,
)
from .ray_results import JobFailed, gone_here, run_job, store_results
from .ray_timing import JobTiming
from .store import current_once_stored, embeddings_dir, open_model_store, use_store
from .vectors import VectorStore

if TYPE_CHECKING:
    from labeldesk.core.project import Project

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
        check_root_before(project)
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
        plan = job_plan(shape, workers, gpus_per_worker, batch_size)
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
        peek = existing_store(project, backbone.identity.key, backbone.dim)
        if peek is not None and peek.legacy:  # refused before the project uses it
            raise ClusterError(legacy_message(project, spec))
        sample = probe_sample(project, missing(project, peek, report))
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
                raise ClusterError(legacy_message(project, spec))
            with current_once_stored(project, store, key):
                report.rebuilt = store.rebuilt
                items = job_items(missing(project, store, report))
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
                        raise ClusterLost(kept_text(exc, report, len(items))) from exc
                    except NodeLost as exc:  # the rest of the cluster can go on
                        raise NodeLost(kept_text(exc, report, len(items), "")) from exc
                    except ImageMissingOnWorker as exc:  # a mount gone: what was kept
                        raise ImageMissingOnWorker(kept_text(exc, report, len(items), "")) from exc
                    except JobFailed as exc:  # what was kept: said here, where it is known
                        failed = ClusterError(exc.said(exc.error, notices.names))
                        raise ClusterError(kept_text(failed, report, len(items), "")) from exc
                    except KeyboardInterrupt as exc:  # "interrupted; …": what is kept
                        exc.add_note(interrupted_text(report, len(items)))
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


def _up_to_date(done: EmbedReport, address: str) -> ClusterEmbedReport:
    """:func:`nothing_to_embed`'s report as this job's: nothing ran, so no nodes,
    workers, device, runtime or precision to tell (that report leaves them empty)."""
    values = {f.name: getattr(done, f.name) for f in fields(EmbedReport)}
    return ClusterEmbedReport(**values, address=address)
