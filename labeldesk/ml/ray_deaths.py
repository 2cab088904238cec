"""The workers and nodes a job lost while it went on, for a job joined through Ray Client
(``ray://``).

Ray sends its notice of a worker that died ("A worker died or was killed while executing
a task…") to the job's driver. Joined to the cluster, that driver is this process, and
:func:`.ray_notices.caught` takes the notice; through Ray Client the driver is Ray
Client's server on the head, which prints it to its own log there, and this machine
heard nothing: a job that lost a worker and went on said nothing of it. The cluster's
GCS keeps each worker that ended, with its job, its address and how it ended: it is
asked from inside the cluster (Ray Client cannot reach the GCS from here), by the job's
relay (:meth:`.ray_worker.JobRelay.deaths`) or a task of no CPU on the head
(:func:`job_deaths`), once the job is over (:func:`.ray_notices.losses_told`).
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

# How a worker ended that Ray's notice says ("killed, out of memory, or crashed"): not
# one Ray ended itself (an actor no longer needed, ray.kill, a pool scaled down)
UNEXPECTED_EXITS = ("SYSTEM_ERROR", "NODE_OUT_OF_MEMORY")
ASK_TIMEOUT_S = 10.0  # the longest the cluster is asked for (a worker to start, at most)


def dead_workers(job_id: str | None = None) -> list[tuple[str, ...]]:
    """On the cluster: (worker id, IP address, node id) of each worker of the job ``job_id`` (hex;
    None: the caller's own job) that ended unexpectedly, as the cluster's GCS keeps them
    (Ray's own table: empty on a Ray without it)."""
    import ray

    try:
        from ray._private import state
        from ray.core.generated import common_pb2, gcs_pb2

        common: Any = common_pb2  # (generated: no types)
        rows: Any = gcs_pb2.__dict__["WorkerTableData"]
        job = job_id or ray.get_runtime_context().get_job_id()
        found: list[tuple[str, ...]] = []
        for raw in state.state._connect_and_get_accessor().get_worker_table():
            worker = rows.FromString(raw)
            if worker.is_alive or worker.job_id.hex() != job:
                continue
            if worker.worker_type != common.WORKER:  # not a driver
                continue
            if common.WorkerExitType.Name(worker.exit_type) not in UNEXPECTED_EXITS:
                continue
            address = worker.worker_address
            found.append((address.worker_id.hex(), address.ip_address, address.node_id.hex()))
        return found
    except Exception:  # another Ray: its table or its names differ
        log.debug("the cluster's table of workers could not be read", exc_info=True)
        return []


def job_deaths(ray: Any, options: dict[str, Any] | None = None) -> list[tuple[str, ...]]:
    """This job's workers that died (:func:`dead_workers`), asked by a task of no CPU on
    the cluster (``options``: where it runs, e.g. on the head); none when the cluster
    does not answer within ASK_TIMEOUT_S."""
    try:
        task = ray.remote(dead_workers).options(num_cpus=0, max_retries=0, **(options or {}))
        return list(ray.get(task.remote(), timeout=ASK_TIMEOUT_S))
    except Exception:  # the cluster busy or gone: the job's own result stands
        log.debug("the cluster did not say which workers died", exc_info=True)
        return []
