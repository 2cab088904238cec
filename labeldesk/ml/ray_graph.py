"""The near-duplicate pass's kNN graph computed on a Ray cluster, into the local cache.

At 10M images the graph is ~9 CPU hours (benchmarks/bench_near_dup_cost.py): one search
per image in the store's compressed index. The searches are independent, so the rows are
split into blocks answered by :class:`~labeldesk.ml.ray_graph_worker.GraphWorker` actors
(one per node by default, each with the node's CPUs), against the very index the local
pass would search, in the local pass's batches: the graph is the local graph. Blocks
stream back as they finish; only when every row is in is the graph written, atomically,
to the cache file the local pass reads (:func:`labeldesk.ml.neighbors.graph_cache`), so
groups, leakage, outliers and predictions use it unchanged, and a failed or cancelled
job leaves no file (the previous version, if any, stays).

How the workers get the index: from the store's folder when every node sees it at the
same path with the same files (shared storage: nothing large is sent), else shipped
through Ray's object store (see :mod:`labeldesk.ml.ray_graph_worker`). Ray restarts a
worker that dies and runs its block again (:data:`RESTARTS`); a cluster that cannot run
the job (unreachable, other Ray/Python, other LabelDesk code) fails before anything runs,
as for embedding (:mod:`labeldesk.ml.ray_cluster`).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from labeldesk.core.display import counted
from labeldesk.core.errors import Cancelled
from labeldesk.core.progress import CancelToken, Progress, ProgressCallback, no_progress

from . import neighbors
from .ray_address import check_reachable
from .ray_cluster import connect, import_ray, prepare_import
from .ray_deaths import job_deaths
from .ray_errors import ClusterError, ClusterLost, ClusterMismatch, summary
from .ray_graph_worker import (
    BATCH,
    EXACT,
    SHARED,
    SHIPPED,
    GraphSource,
    GraphWorker,
    graph_code_version,
    probe_graph_node,
    store_files,
)
from .ray_head import HeadWatch
from .ray_node_names import node_names
from .ray_nodes import names_of_nodes, on_every_node
from .ray_notices import alive_nodes, caught, losses_told, noted
from .ray_results import relay_options

if TYPE_CHECKING:
    from labeldesk.core.project import Project

    from .store import ProjectVectors

RESTARTS = 2  # a worker that dies is restarted (its blocks run again) this many times
IN_FLIGHT = 2  # blocks queued per worker: the next is there when one finishes
POLL_S = 0.2  # how often waiting for blocks looks at the cancel token
MESSAGE = "near-duplicate neighbours on the Ray cluster"
NOTHING_WRITTEN = "nothing was written: run it again once the cluster is back"


@dataclass
class ClusterGraphReport:
    address: str
    images: int = 0
    k: int = 0
    mode: str = ""  # exact, shipped, shared; "cached": nothing to compute
    nodes: int = 0
    workers: int = 0
    threads: int = 0  # CPUs (faiss threads) of the smallest worker
    cpus: list[int] = field(default_factory=list)  # each worker's CPUs (its node's share)
    blocks: int = 0
    seconds: float = 0.0
    note: str = ""  # why nothing ran (mode "none")
    head: str | None = None  # the head reached (``auto`` resolved); None: none asked
    notices: list[str] = field(default_factory=list)  # what the cluster reported meanwhile

    def to_json(self) -> dict[str, Any]:
        return {"engine": "ray", **asdict(self), "seconds": round(self.seconds, 2)}


@dataclass
class GraphJob:
    """What the workers need: the source description and the arrays to ship."""

    source: GraphSource
    vectors: np.ndarray | None = None
    blob: np.ndarray | None = None
    store_rows: np.ndarray | None = None


def graph_on_ray(
    project: Project,
    *,
    address: str,
    workers: int | None = None,
    block_rows: int | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> ClusterGraphReport:
    """Compute the project's kNN graph on the cluster at ``address`` and cache it where
    :func:`~labeldesk.ml.neighbors.neighbor_graph` reads it; a graph already cached for
    the current embeddings is kept (``mode`` "cached")."""
    from .store import project_vectors

    cancel = cancel or CancelToken()
    if workers is not None and workers < 1:
        raise ClusterError("--workers must be at least 1")
    vectors = project_vectors(project)
    cache, k = neighbors.graph_cache(project, vectors)
    report = ClusterGraphReport(address, images=len(vectors.paths), k=k)
    if neighbors.has_cached_graph(project, vectors):
        report.mode = "cached"  # the cluster is not even asked
        return report
    prepare_import(address)
    ray = import_ray()
    # Ray's own lines (a worker died…; the autoscaler's failure, told as this process
    # joins), said in one each
    with caught(address.strip().startswith("ray://")) as notices, noted(notices):
        check_reachable(address)
        progress(Progress(0, 0, f"connecting to the Ray cluster at {address}"))
        owned = connect(ray, address, cancel)  # Cancel and Ctrl+C end it too
        watch = HeadWatch.of(ray, address, cancel)
        report.head = watch.head
        try:
            try:
                progress(Progress(0, 0, "checking the cluster's nodes"))
                check_versions(on_every_node(ray, probe_graph_node, "", 0, watch=watch))
                progress(Progress(0, 0, "preparing the search index"))
                job = prepare_job(ray, project, vectors, k, watch)
                # through Ray Client, Ray's notices of workers and nodes lost went to its
                # server: the cluster is asked at the job's end
                client = notices if address.strip().startswith("ray://") else None
                before = watch.call(alive_nodes, ray)
                notices.names = node_names(before)  # nodes sharing an address: by id too
            except ClusterLost as exc:
                raise ClusterLost(f"{exc}; {NOTHING_WRITTEN}") from exc
            started = time.perf_counter()

            def deaths() -> list[tuple[str, ...]]:  # asked on the head, where Ray's went
                return job_deaths(ray, relay_options(watch.call(ray.nodes)))

            def alive_now() -> dict[str, str]:  # (a head gone: ClusterLost, not a wait)
                return watch.call(alive_nodes, ray)

            with losses_told(client, deaths, before, alive_now):
                sims, rows = run_graph(
                    ray, job, len(vectors.paths), report, workers, block_rows, progress, cancel,
                    watch,
                )  # fmt: skip
            neighbors.save_graph(cache, sims, rows)
            report.seconds = time.perf_counter() - started
            report.notices = notices.lines()
            return report
        finally:
            if owned:
                ray.shutdown()


def check_versions(answers: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    ours = graph_code_version()
    names = names_of_nodes([node for node, _ in answers])  # by id too where one address
    for node, found in answers:
        if found["labeldesk"] != ours:
            where = f"node {found['host']} ({names[str(node.get('NodeID'))]})"
            raise ClusterMismatch(
                f"{where} runs LabelDesk {found['labeldesk']}, this machine {ours}: their "
                "neighbours could differ; install the same version on both"
            )


def check_worker(found: dict[str, str]) -> None:
    """Refuse a started worker whose graph code is not this machine's: the nodes were
    checked before the index was prepared, and a node that joined since (an autoscaler
    adding one) gets a worker too."""
    ours = graph_code_version()
    if found.get("version") != ours:
        raise ClusterMismatch(
            f"a worker on node {found.get('host', '?')} runs LabelDesk "
            f"{found.get('version')}, this machine {ours}: their neighbours could differ; "
            "install the same version on every node (nothing was written)"
        )


def _store_of(project: Project, vectors: ProjectVectors) -> Any:
    """The store the local pass's index would come from (None: an exact graph)."""
    from .store import current_store

    if len(vectors.paths) <= neighbors.GRAPH_EXACT_MAX:
        return None
    return current_store(project, vectors.key)


def prepare_job(
    ray: Any, project: Project, vectors: ProjectVectors, k: int, watch: HeadWatch | None = None
) -> GraphJob:
    """The index the local pass would search (built or read here, as it would be), and
    how the workers get it."""
    from .search import GRAPH_EXACT_MAX, IndexConfig, VectorIndex
    from .store_index import ProjectIndex

    n = len(vectors.paths)
    if n <= neighbors.GRAPH_EXACT_MAX:
        config = IndexConfig.choose(n, exact_max=GRAPH_EXACT_MAX).to_json()
        return GraphJob(GraphSource(EXACT, k, config), vectors=_half(vectors.vectors))
    index = neighbors.search_index(project, vectors)
    if isinstance(index, ProjectIndex):
        store = _store_of(project, vectors)
        return store_job(ray, index.index, store, store.rows_for(vectors.hashes), k, watch=watch)
    assert isinstance(index, VectorIndex)  # the store was rebuilt meanwhile: over the vectors
    return shipped_job(index, _half(vectors.vectors), np.arange(n, dtype=np.int64), k)


def store_job(
    ray: Any,
    index: Any,
    store: Any,
    store_rows: np.ndarray,
    k: int,
    share: bool = True,
    watch: HeadWatch | None = None,
) -> GraphJob:
    """A job over the store's saved ``index`` (a VectorIndex over all its rows; project
    row i is store row ``store_rows[i]``): read from the store's folder when every node
    sees the files this machine sees (and ``share``), else shipped."""
    here = store_files(str(store.folder), store.dim)  # after the index was saved
    if share and here and here["rows"] >= store.count:
        answers = on_every_node(ray, probe_graph_node, str(store.folder), store.dim, watch=watch)
        if all(_same(found["store"], here) for _, found in answers):
            source = GraphSource(
                SHARED,
                k,
                index.config.to_json(),
                folder=str(store.folder),
                dim=store.dim,
                generation=store.generation,
                count=store.count,
                index_file=here["index_file"],
            )
            return GraphJob(source, store_rows=store_rows)
    return shipped_job(index, np.asarray(store.matrix()), store_rows, k)


def shipped_job(index: Any, source: np.ndarray, store_rows: np.ndarray, k: int) -> GraphJob:
    """A job that sends ``index`` (a compressed VectorIndex over ``source``) and its
    vectors through the object store."""
    from .search import import_faiss

    blob = import_faiss().serialize_index(index.index)
    return GraphJob(
        GraphSource(SHIPPED, k, index.config.to_json()),
        vectors=source,
        blob=blob,
        store_rows=store_rows,
    )


def _same(seen: dict[str, Any], here: dict[str, Any]) -> bool:
    return bool(seen) and all(tuple(np.ravel(seen[f])) == tuple(np.ravel(here[f])) for f in here)


def _half(vectors: np.ndarray) -> np.ndarray:
    """The vectors as stored (float16: half the traffic; they came from float16)."""
    return np.ascontiguousarray(vectors, dtype=np.float16)


@dataclass(frozen=True)
class Placement:
    """One worker: the node it is pinned to and the CPUs (faiss threads) it gets there."""

    node: str
    cpus: int


def plan_workers(ray: Any, workers: int | None) -> tuple[list[Placement], int]:
    """(a placement per worker, nodes): one worker per node with all of that node's
    CPUs by default (one index in memory per node); ``workers`` N splits each node's
    CPUs between its share of N (every node gets one before any gets two; the next goes
    where a worker would have the most CPUs). An ask the cluster cannot place fails now
    (Ray would wait forever)."""
    nodes = [
        (n["NodeID"], int(n["Resources"].get("CPU", 0))) for n in ray.nodes() if n.get("Alive")
    ]
    nodes = sorted(((node, c) for node, c in nodes if c >= 1), key=lambda n: -n[1])
    if not nodes:
        raise ClusterError("the cluster has no CPU for a worker")
    total = sum(c for _, c in nodes)
    if workers is not None and workers > total:
        raise ClusterError(
            f"the cluster's {len(nodes)} nodes have {total} CPUs: at most {total} "
            f"workers (asked for {workers})"
        )
    wanted = len(nodes) if workers is None else workers
    count = [1 if i < wanted else 0 for i in range(len(nodes))]
    for _ in range(wanted - sum(count)):
        i = max(
            (i for i, (_, c) in enumerate(nodes) if count[i] < c),
            key=lambda i: nodes[i][1] / (count[i] + 1),
        )
        count[i] += 1
    placements = []
    for (node, cpus), k in zip(nodes, count, strict=True):
        placements += [Placement(node, cpus // k + (j < cpus % k)) for j in range(k)]
    return placements, len(nodes)


def default_block(n: int, workers: int) -> int:
    """Rows per block: whole local batches, about 8 blocks per worker (a slow or
    restarted worker holds up little), at most 16 batches (bounded results)."""
    batches = -(-n // BATCH)
    return BATCH * max(1, min(16, batches // (8 * workers)))


def run_graph(
    ray: Any,
    job: GraphJob,
    n: int,
    report: ClusterGraphReport,
    workers: int | None = None,
    block_rows: int | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
    watch: HeadWatch | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The graph's (similarities, rows) for ``n`` rows, computed by worker actors on the
    connected cluster; raises ClusterError (a worker failed past its restarts),
    ClusterLost (the head went away: ``watch``) or Cancelled, with every actor ended
    either way (unless the cluster is gone)."""
    cancel = cancel or CancelToken()
    call = (watch or HeadWatch("", None)).call
    actors: list[Any] = []
    done = 0
    try:
        placements, nodes = call(plan_workers, ray, workers)
        count = len(placements)
        report.workers, report.nodes = count, nodes
        report.cpus = [p.cpus for p in placements]
        report.threads = min(report.cpus)
        report.mode = job.source.kind
        k = job.source.k
        block = block_rows or default_block(n, count)
        todo = [(a, min(n, a + block)) for a in range(0, n, block)]
        report.blocks = len(todo)
        todo.reverse()  # popped from the end: first rows first
        arrays = (job.vectors, job.blob, job.store_rows)
        shipped = call(lambda: [ray.put(a) if a is not None else None for a in arrays])  # once
        actors = call(lambda: [_start_worker(ray, job.source, p) for p in placements])
        sims = np.full((n, k), -1.0, dtype=np.float32)
        rows = np.full((n, k), -1, dtype=np.int64)
        starting = call(lambda: {a.ready.remote(shipped): a for a in actors})
        pending: dict[Any, Any] = {}
        progress(Progress(0, n, f"{MESSAGE}: starting {counted(count, 'worker')}"))
        while todo or pending:
            cancel.raise_if_cancelled()
            if watch is not None:
                watch.check()
            waiting = list(starting) + list(pending)
            ready, _ = ray.wait(waiting, num_returns=1, timeout=POLL_S)
            for ref in ready:
                if ref in starting:
                    worker = starting.pop(ref)
                    # a worker that cannot load its index fails the job, and so does one
                    # with other code (on a node that joined after the check)
                    check_worker(_get(ray, ref, watch))
                else:
                    worker = pending.pop(ref)
                    start, s, r = _get(ray, ref, watch)
                    sims[start : start + len(s)], rows[start : start + len(s)] = s, r
                    done += len(s)
                    progress(Progress(done, n, MESSAGE))
                busy = sum(w is worker for w in pending.values())
                for _ in range(IN_FLIGHT - busy):
                    if todo:
                        pending[worker.block.remote(*todo.pop(), shipped)] = worker
        cancel.raise_if_cancelled()
    except ClusterLost as exc:
        raise ClusterLost(
            f"{exc}; nothing was written: the neighbours are saved only once every block is "
            f"in ({done:,} of {n:,} rows had come back): run it again once the cluster is back"
        ) from exc
    except KeyboardInterrupt as exc:  # Ctrl+C: the command said only "interrupted"
        exc.add_note(
            "stopped on the Ray cluster; nothing was written: the neighbours are saved only "
            f"once every block is in ({done:,} of {n:,} rows had come back): run it again"
        )
        raise
    finally:
        if watch is None or not watch.lost:  # a cluster that is gone would only be waited on
            for a in actors:
                ray.kill(a)
    return sims, rows


def _start_worker(ray: Any, source: GraphSource, place: Placement) -> Any:
    """A worker pinned to its node with that node's share of CPUs (restarted there)."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    return (
        ray.remote(GraphWorker)
        .options(
            num_cpus=place.cpus,
            max_restarts=RESTARTS,
            max_task_retries=RESTARTS,
            scheduling_strategy=NodeAffinitySchedulingStrategy(place.node, soft=False),
        )
        .remote(GraphSource(**{**asdict(source), "threads": place.cpus}))
    )


def _get(ray: Any, ref: Any, watch: HeadWatch | None = None) -> Any:
    try:
        return ray.get(ref)
    except Cancelled:
        raise
    except Exception as exc:
        if watch is not None and watch.gone():
            raise watch.error() from exc
        raise ClusterError(
            f"the Ray job failed: {summary(exc)}; nothing was written (run it again)"
        ) from exc
