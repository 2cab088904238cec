"""What the connected Ray cluster offers (:func:`cluster_shape`), and the checks run on
every node before a job (:func:`probe_nodes`): LabelDesk installed there with the same
vector code, and the images readable, the same files as scanned here; the answers also
say how long the cluster takes to give up a node (:func:`death_window`). Each failure is
one :class:`~.ray_errors.ClusterError` with a message saying what to do."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from labeldesk.core.display import counted
from labeldesk.core.errors import Cancelled

from .ray_errors import (
    ClusterLost,
    ClusterMismatch,
    ClusterUnavailable,
    ImageMissingOnWorker,
    ImagesDifferOnWorker,
    summary,
)
from .ray_head import CALL_LEAVE_S, HeadWatch
from .ray_node_names import node_names
from .ray_worker import code_version, probe_node

HEAD_RESOURCE = "node:__internal_head__"  # in the head node's resources (Ray's name)
PROBE_TIMEOUT_S = 180.0  # a node may first have to start a worker process and import


@dataclass(frozen=True)
class ClusterShape:
    """What the connected cluster offers: nodes alive, CPUs, GPUs."""

    nodes: int
    cpus: float
    gpus: float


def cluster_shape(ray: Any) -> ClusterShape:
    alive = [n for n in ray.nodes() if n.get("Alive")]
    resources = ray.cluster_resources()
    return ClusterShape(len(alive), resources.get("CPU", 0.0), resources.get("GPU", 0.0))


def on_every_node(
    ray: Any, function: Callable[..., dict[str, Any]], *args: Any, watch: HeadWatch | None = None
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """``function(*args)`` run once on every live node: (node, its result) pairs. A node
    without LabelDesk or not answering is a :class:`ClusterError`; a head that goes away
    meanwhile, :class:`ClusterLost` within seconds (``watch``)."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    watch = watch or HeadWatch("", None)
    remote = ray.remote(function)

    def start() -> tuple[list[dict[str, Any]], list[Any]]:
        nodes = [n for n in ray.nodes() if n.get("Alive")]
        return nodes, [
            remote.options(
                num_cpus=0,
                max_retries=1,
                scheduling_strategy=NodeAffinitySchedulingStrategy(n["NodeID"], soft=False),
            ).remote(*args)
            for n in nodes
        ]

    nodes, refs = watch.call(start)
    try:
        results = _results(ray, refs, watch)
    except (ClusterLost, Cancelled):
        raise
    except Exception as exc:
        if _without_labeldesk(exc):
            raise ClusterMismatch(_not_installed(ray, nodes, refs, watch)) from exc
        raise ClusterUnavailable(f"the cluster's nodes did not answer: {summary(exc)}") from exc
    return list(zip(nodes, results, strict=True))


def _without_labeldesk(exc: BaseException) -> bool:
    return "labeldesk" in str(exc) and "No module named" in str(exc)


def _not_installed(ray: Any, nodes: list[dict[str, Any]], refs: list[Any], watch: HeadWatch) -> str:
    """Which nodes lack LabelDesk (each has answered: asking again is quick), and how to
    install it there."""
    lacking = []
    names = names_of_nodes(nodes)
    for node, ref in zip(nodes, refs, strict=True):
        try:
            watch.call(ray.get, ref, timeout=CALL_LEAVE_S)
        except (ClusterLost, Cancelled):
            raise
        except Exception as exc:
            if _without_labeldesk(exc):
                lacking.append(names[str(node.get("NodeID"))])
    where = f"node {lacking[0]}" if len(lacking) == 1 else f"nodes {', '.join(lacking)}"
    return (
        f"LabelDesk is not installed on {where if lacking else 'some nodes'} "
        f"({len(lacking) or 'some'} of the cluster's {counted(len(nodes), 'node')}): install "
        f"the same version there: pip install 'labeldesk[cluster]=={code_version().split('+')[0]}'"
    )


def names_of_nodes(nodes: list[dict[str, Any]]) -> dict[str, str]:
    """Node id -> how messages name the node, for nodes as ``ray.nodes()`` gives them
    (:func:`.ray_node_names.node_names`)."""
    return node_names({str(n.get("NodeID")): str(n.get("NodeManagerAddress", "?")) for n in nodes})


def _results(ray: Any, refs: list[Any], watch: HeadWatch) -> list[dict[str, Any]]:
    """``ray.get(refs, timeout=PROBE_TIMEOUT_S)``, asked in slices of CALL_LEAVE_S so
    that the head is watched while the nodes answer."""
    deadline = time.monotonic() + PROBE_TIMEOUT_S
    while True:
        left = deadline - time.monotonic()
        try:
            return watch.call(ray.get, refs, timeout=max(0.0, min(CALL_LEAVE_S, left)))
        except TimeoutError:  # Ray's GetTimeoutError (Ray Client's too)
            if left <= CALL_LEAVE_S:
                raise


def probe_nodes(
    ray: Any, root: str, sample: list[tuple[str, str]], watch: HeadWatch | None = None
) -> list[dict[str, Any]]:
    """Run :func:`probe_node` on every live node for the ``sample`` (content hash, path)
    pairs; raise the first problem found."""
    answers = on_every_node(ray, probe_node, root, [rel for _, rel in sample], watch=watch)
    ours = code_version()
    names = names_of_nodes([node for node, _ in answers])
    for node, found in answers:
        found["head"] = HEAD_RESOURCE in (node.get("Resources") or {})
        where = f"node {found['host']} ({names[str(node.get('NodeID'))]})"
        if found["labeldesk"] != ours:
            raise ClusterMismatch(
                f"{where} runs LabelDesk {found['labeldesk']}, this machine {ours}: their "
                "vectors would not mix; install the same version on both"
            )
        if found["missing"]:
            raise ImageMissingOnWorker(
                f"{where} cannot read the images: {found['missing'][0]} not found; point "
                "--remote-root at where the workers see the image folder"
            )
        if sample and not any(found["hashes"].get(rel) == digest for digest, rel in sample):
            raise ImagesDifferOnWorker(
                f"{where} reads other files than the ones scanned here under "
                f"{found['where']} ({sample[0][1]} and {len(sample) - 1} more have other "
                "content): point --remote-root at a copy of the project's image folder"
            )
    return [found for _, found in answers]


def death_window(answers: list[dict[str, Any]]) -> float | None:
    """How long the cluster takes to give up a node gone, from the nodes' answers to
    :func:`probe_nodes`: as the head's Ray settings say (its GCS runs the health checks
    with the settings the head's Ray started with: the cluster's system config and the
    head's environment, e.g. ``RAY_health_check_period_ms``, which this machine cannot
    read), else the longest any node says; None when no node could tell."""
    said = [a["node_death_s"] for a in answers if a.get("node_death_s") is not None]
    head = [a["node_death_s"] for a in answers if a.get("head") and a.get("node_death_s")]
    return float(head[0]) if head else (max(said) if said else None)
