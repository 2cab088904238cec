"""What a job on a Ray cluster did, in the words of `embed --ray` and `duplicates --ray`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from labeldesk.core.display import counted

if TYPE_CHECKING:
    from labeldesk.ml.ray_embed import ClusterEmbedReport
    from labeldesk.ml.ray_graph import ClusterGraphReport


def cluster_line(report: ClusterGraphReport) -> str:
    """What the neighbour search on the cluster did, and what the cluster reported."""
    return _cluster_search(report) + "".join(f"\nnote: {line}" for line in report.notices)


def _cluster_search(report: ClusterGraphReport) -> str:
    if report.mode == "none":
        return f"nothing for the cluster to search: {report.note}"
    if report.mode == "cached":
        return f"the neighbours of the {report.images} embedded images were already computed"
    return (
        f"neighbours of {report.images} images found on the Ray cluster at {reached(report)} "
        f"({counted(report.nodes, 'node')}, {_workers_cpus(report)}, "
        f"{report.mode} index) in {report.seconds:.1f} s"
    )


def reached(report: ClusterEmbedReport | ClusterGraphReport) -> str:
    """The head the job ran on; for ``--ray auto``, the one found, and how."""
    if report.head is None or report.head == report.address:
        return report.address
    return f"{report.head} (found by --ray {report.address})"


def _workers_cpus(report: ClusterGraphReport) -> str:
    """The workers' CPUs: "3 workers x 8 CPUs" when all have the same, else each one's
    (workers are sized per node): "3 workers (64+8+8 CPUs)", grouped as
    "12 workers (2x32+10x8 CPUs)" when there are many."""
    cpus = sorted(report.cpus, reverse=True)
    if len(set(cpus)) <= 1:
        one = cpus[0] if cpus else report.threads
        return f"{counted(report.workers, 'worker')} x {one} CPU{'' if one == 1 else 's'}"
    if len(cpus) <= 8:
        each = "+".join(str(c) for c in cpus)
    else:
        each = "+".join(f"{cpus.count(c)}x{c}" for c in sorted(set(cpus), reverse=True))
    return f"{counted(report.workers, 'worker')} ({each} CPUs)"
