"""Running the embedding job on a Ray cluster and storing its batches as they come back
(for :func:`labeldesk.ml.ray_embed.embed_on_ray`).

:func:`run_job` starts the job in a relay actor (:class:`labeldesk.ml.ray_worker.JobRelay`)
and hands back its :class:`Outputs`: the batches, fetched on a thread so that waiting for
the next one still notices a cancel or a head gone away. :func:`store_results` appends
each batch to the vector store as it arrives: a batch from a worker with another model or
code is refused whole, a row Ray delivered twice is written once, an image missing on a
worker is listed as failed, and a whole batch missing stops the job (the worker lost the
image folder) with the batches before it kept.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from labeldesk.core.progress import CancelToken, Progress, ProgressCallback

from .embed import EmbedReport, image_root_state
from .ray_busy import BUSY_AFTER_S, BUSY_EVERY_S, busy_message, cpus
from .ray_deaths import ASK_TIMEOUT_S
from .ray_errors import ClusterError, ClusterMismatch, ImageMissingOnWorker, summary
from .ray_head import HeadWatch
from .ray_timing import JobTiming
from .ray_worker import FAILED, MISSING, OK, JobRelay, code_version
from .vectors import VectorStore

if TYPE_CHECKING:
    from labeldesk.core.project import Project

log = logging.getLogger(__name__)
LOST_BATCH = 8  # a batch at least this big missing whole on a worker: its mount is gone
POLL_S = 0.2  # how often a wait for the next batch looks at the cancel token
FETCH_WAIT_S = 1.0  # the longest one call into Ray for the next batch waits
HEAD_RESOURCE = "node:__internal_head__"  # the resource Ray gives its head node alone


class JobFailed(ClusterError):
    """The job failed on the cluster (Ray's ``error``, in one line); the caller says what
    was kept, as it knows what was stored (:func:`.ray_kept_words.kept_text`)."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(self.said(error))
        self.error = error

    @staticmethod
    def said(error: BaseException, names: Mapping[str, str] | None = None) -> str:
        """The failure in one line, a node named by ``names`` (node id -> name)."""
        return f"the Ray job failed: {summary(error, names)}"


@dataclass(frozen=True)
class JobPlan:
    """How the job runs on this cluster (:func:`.ray_embed.embed_on_ray` makes it)."""

    workers: int  # the most model actors
    gpus_per_worker: float
    batch_size: int
    device: str
    start: int = 1  # actors started at once (as many as fit now, up to ``workers``)


class Outputs:
    """The job's output batches, fetched on a thread so that waiting for the next one
    (a worker starting, a slow batch) still notices a cancel."""

    def __init__(
        self,
        batches: Iterator[dict[str, np.ndarray]],
        stop: Callable[[], None] | None = None,
        watch: HeadWatch | None = None,
        closed: threading.Event | None = None,
        explain: Callable[[BaseException], ClusterError | None] | None = None,
        deaths: Callable[[], list[tuple[str, ...]]] | None = None,
        busy: Callable[[], str | None] | None = None,
    ):
        """``explain``: the job's error as the user's to read (a node gone), or None;
        ``deaths``: asks the cluster which of the job's workers died; ``busy``: what the
        job waits for while no batch has come (other jobs' CPUs), or None."""
        self._busy = busy
        self._stop = stop
        self._deaths = deaths
        self._watch = watch
        self._explain = explain
        self._queue: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=4)
        self._closed = closed or threading.Event()  # ``batches`` may watch it too
        self._thread = threading.Thread(
            target=self._pump, args=(batches,), name="ray-results", daemon=True
        )
        self._thread.start()

    def _pump(self, batches: Iterator[dict[str, np.ndarray]]) -> None:
        try:
            for batch in batches:
                if not self._offer(("batch", batch)):
                    return
            self._offer(("end", None))
        except BaseException as exc:
            self._offer(("error", exc))

    def _offer(self, item: tuple[str, Any]) -> bool:
        """Queue ``item`` unless the reader has closed (then False): a full queue nobody
        reads any more must not hold this thread for good."""
        while not self._closed.is_set():
            try:
                self._queue.put(item, timeout=POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def next(
        self, cancel: CancelToken, waiting: Callable[[str | None], None] = lambda text: None
    ) -> dict[str, np.ndarray] | None:
        """The next batch; None at the end; raises Cancelled, ClusterLost (the head went
        away: Ray alone would wait a minute) or the job's error. ``waiting`` is told what
        the job waits for (see ``busy``) as it changes, and None once it no longer waits."""
        said = None
        while True:
            if self._busy is not None:
                text = self._busy()
                if text != said:
                    waiting(text)
                said = text
            cancel.raise_if_cancelled()
            if self._watch is not None:
                self._watch.check()
            try:
                kind, value = self._queue.get(timeout=POLL_S)
            except queue.Empty:
                continue
            if kind == "batch":
                self._busy = None  # the workers run: the job no longer waits for room
                return dict(value)
            if kind == "end":
                return None
            if self._watch is not None and self._watch.gone():
                raise self._watch.error() from value
            explained = self._explain(value) if self._explain is not None else None
            if explained is not None:
                raise explained from value
            raise JobFailed(value) from value

    def dead_workers(self) -> list[tuple[str, ...]]:
        """The job's workers that died (worker id, IP address), asked of the cluster
        before :meth:`close`; none when it cannot say (gone, another Ray)."""
        if self._deaths is None or (self._watch is not None and self._watch.lost):
            return []
        try:
            return self._deaths()
        except Exception:  # the relay or the cluster gone: nothing known
            log.debug("the cluster did not say which workers died", exc_info=True)
            return []

    def close(self) -> None:
        """Stop fetching; end the job on the cluster (its model actors go with it),
        unless the cluster is gone (asking it would only wait). The fetching thread is
        given a moment to leave Ray's calls: one still inside them when Ray disconnects
        can crash the process as it exits."""
        self._closed.set()
        if self._stop is not None and not (self._watch is not None and self._watch.lost):
            try:
                self._stop()
            except Exception:  # already gone (the cluster or the connection): nothing to end
                log.debug("the Ray job had already ended", exc_info=True)
        self._thread.join(FETCH_WAIT_S + 1.0)


def run_job(
    ray: Any,
    items: list[tuple[str, str, int]],
    spec: str,
    root: str,
    plan: JobPlan,
    watch: HeadWatch | None = None,
    explain: Callable[[BaseException], ClusterError | None] | None = None,
) -> Outputs:
    """Start the job in a :class:`JobRelay` on the cluster; its batches, as they finish
    (``explain``: see :class:`Outputs`)."""

    def start_relay(*args: Any, **kwargs: Any) -> Any:
        options = relay_options(ray.nodes())
        return (
            ray.remote(JobRelay)
            .options(num_cpus=0, max_restarts=0, **options)
            .remote(*args, **kwargs)
        )

    calls = watch or HeadWatch("", None)
    before = calls.call(cpus, ray)  # other jobs' CPUs: this one holds none yet
    held = 0.0 if before is None else before[0] - before[1]
    relay = calls.call(
        start_relay,
        items,
        spec,
        root,
        plan.device,
        workers=plan.workers,
        start=plan.start,
        gpus_per_worker=plan.gpus_per_worker,
        batch_size=plan.batch_size,
    )

    closed = threading.Event()
    busy: list[str | None] = [None]  # what the job waits for, before its first batch
    first = [True]

    def batches() -> Iterator[dict[str, np.ndarray]]:
        while True:
            ref = relay.next.remote()
            waited, asked = time.monotonic(), 0.0
            while True:  # in Ray's call a bounded time: ends soon after ``closed``
                try:
                    batch = ray.get(ref, timeout=FETCH_WAIT_S)
                    break
                except TimeoutError:  # Ray's GetTimeoutError (Ray Client's too)
                    if closed.is_set():
                        return
                now = time.monotonic()  # (asked here: a call that hangs holds this thread)
                if first[0] and now - waited >= BUSY_AFTER_S and now - asked >= BUSY_EVERY_S:
                    busy[0], asked = busy_message(ray, held), now
            first[0] = False
            busy[0] = None
            if batch is None:
                return
            yield batch

    def deaths() -> list[tuple[str, ...]]:
        return list(ray.get(relay.deaths.remote(), timeout=ASK_TIMEOUT_S))

    return Outputs(
        batches(),
        stop=lambda: ray.kill(relay),
        watch=watch,
        closed=closed,
        explain=explain,
        deaths=deaths,
        busy=lambda: busy[0],
    )


def relay_options(nodes: list[dict[str, Any]]) -> dict[str, Any]:
    """Where the relay runs: on the cluster's head, held there. Ray put it on any node,
    and a worker node that went away took the job with it, where Ray Data alone would
    have started that node's workers elsewhere; the head's loss is the cluster's
    (ClusterLost, said within seconds), and the head is next to the workers whatever
    link this machine has to them (with Ray Client, this machine's driver runs on the
    head too). No head marked (another Ray): Ray's choice, as before."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    for node in nodes:
        if node.get("Alive") and HEAD_RESOURCE in (node.get("Resources") or {}):
            return {
                "scheduling_strategy": NodeAffinitySchedulingStrategy(node["NodeID"], soft=False)
            }
    return {}


def store_results(
    outputs: Outputs,
    store: VectorStore,
    report: EmbedReport,
    key: str,
    total: int,
    progress: ProgressCallback,
    cancel: CancelToken,
    stored: Callable[[], None] = lambda: None,
    gone_here: Callable[[str], bool] = lambda rel: False,
    timing: JobTiming | None = None,
) -> None:
    """Append each arriving batch; a batch from a worker with another model or code is
    refused whole, and a row Ray delivered twice (a retried batch) is written once. An
    image missing on a worker is listed as failed; a whole batch missing stops the job
    (the worker lost the image folder), unless each of its files is gone here too
    (``gone_here``: deleted since the scan, listed as failed). ``stored`` is called after
    each append (the first makes the store the project's); ``timing`` is told of each
    batch as it arrives."""
    version = code_version()
    done = 0
    progress(Progress(0, total, f"embedding on the Ray cluster ({report.device})"))

    def waiting(text: str | None) -> None:
        progress(Progress(0, total, text or f"embedding on the Ray cluster ({report.device})"))

    while (batch := outputs.next(cancel, waiting)) is not None:
        if timing is not None:
            load = batch.get("load_s")
            timing.batch(
                len(batch["status"]), None if load is None or not len(load) else float(load[0])
            )
        theirs = set(batch["key"]) | set(batch["version"])
        if theirs != {key, version}:
            raise ClusterMismatch(
                f"a worker made vectors with {sorted(theirs - {key, version})}, this machine "
                f"with {key} {version}: install the same LabelDesk and model on every node"
            )
        report.runtime = str(batch["runtime"][0])
        report.precision = _precision(report.precision if done else "", batch["precision"])
        status = batch["status"]
        unique: dict[str, int] = {}
        for i in np.flatnonzero(status == OK):
            digest = str(batch["hash"][i])
            if digest not in unique and store.rows_for([digest])[0] < 0:
                unique[digest] = int(i)
        if unique:
            rows = list(unique.values())
            store.append(list(unique), np.asarray(batch["vector"][rows], dtype=np.float16))
            # counted before stored() (the project's database written): a Ctrl+C or
            # SIGTERM arriving there said "before its first batch came back", 8 kept
            report.embedded += len(unique)
            stored()
        missing = np.flatnonzero(status == MISSING)
        if len(missing) == len(status) >= LOST_BATCH and not all(
            gone_here(str(batch["path"][i])) for i in missing
        ):
            raise ImageMissingOnWorker(
                f"{batch['reason'][missing[0]]} (all {len(missing)} of this batch): check "
                "that the workers see the image folder (--remote-root)"
            )  # what was kept: said by the job, which knows (ray_kept_words.kept_text)
        report.failed += [
            {"path": str(batch["path"][i]), "reason": str(batch["reason"][i])}
            for i in np.flatnonzero((status == FAILED) | (status == MISSING))
        ]
        done += len(status)
        progress(Progress(min(done, total), total, "embedding on the Ray cluster"))


def gone_here(project: Project) -> Callable[[str], bool]:
    """Whether an image is missing from the project's image folder on this machine too
    (deleted since the scan); never when that folder is not here at all (the images may
    be only where the workers read them), nor when it is empty here (the mount point a
    drive not mounted on this machine leaves), at the time of asking: a folder gone
    mid-job (unmounted) stops the job, its files not taken for deleted ones."""

    def gone(rel: str) -> bool:
        try:
            return not project.image_path(rel).exists() and not image_root_state(project.root)
        except (OSError, ValueError):
            return False

    return gone


def _precision(before: str, seen: np.ndarray) -> str:
    """The job's arithmetic as one label: each worker's, joined when they differ."""
    labels = set(before.split(" / ")) if before else set()
    labels.update(str(p) for p in seen)
    return " / ".join(sorted(labels))
