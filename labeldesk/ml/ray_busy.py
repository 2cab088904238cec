"""A job waiting for CPUs that other jobs hold on the cluster, said while it waits.

Ray starts a job's workers as CPUs free up and says nothing meanwhile: on a local
two-node cluster whose 4 CPUs all ran another job's tasks, ``embed --ray`` showed
"embedding on the Ray cluster (cpu): 0/2,000 images (0%)" for 589 s, with no word of
why, and then ran as usual. :func:`busy_message` tells it from the cluster's own
resource counts, asked while no batch has come back yet (:class:`.ray_results.Outputs`).
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)
BUSY_AFTER_S = 5.0  # no batch for this long: the cluster's CPUs are looked at
BUSY_EVERY_S = 5.0  # and again this often while none comes
WORKER_CPUS = 1  # each of the job's workers holds one CPU (ray_worker's map_batches)


def cpus(ray: Any) -> tuple[float, float] | None:
    """The cluster's CPUs, all and free; None when it does not say."""
    try:
        return (
            float(ray.cluster_resources().get("CPU", 0.0)),
            float(ray.available_resources().get("CPU", 0.0)),
        )
    except Exception:  # a cluster that does not answer is the head watch's to tell
        log.debug("the cluster's resources were not known", exc_info=True)
        return None


def busy_message(ray: Any, held: float) -> str | None:
    """The progress line for a job that has no batch yet while every CPU of the cluster
    is in use, ``held`` of them (at least one) by other jobs as it started (it held none
    then); None otherwise, or when the cluster does not say."""
    now = cpus(ray)
    if now is None or held < 1 or now[0] <= 0 or now[1] >= WORKER_CPUS:
        return None
    return (
        f"waiting for a free CPU on the Ray cluster: all {now[0]:g} are in use, {held:g} "
        "of them by other jobs when this one started; its workers need one each "
        "(`ray status` on the head shows what holds them; Cancel or Ctrl+C stops)"
    )
