"""A Ray job that failed because one of the cluster's nodes went away, said so and the
node named (:func:`node_lost`); and the losses a job joined through Ray Client is told
of once it is over (:func:`losses_told`)."""

from __future__ import annotations

import contextlib
import logging
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

from labeldesk.core.errors import Cancelled

from .ray_errors import ClusterLost
from .ray_node_names import node_names
from .ray_notice_lines import WORKER_DIED_TEXT, NodeLost, Notices
from .ray_worker import health_check_window

# Errors of Ray's that mean an actor or a node went away (a Python error in a worker
# is a RayTaskError, and says its own cause)
LOST_KINDS = {
    "ActorDiedError",
    "ActorUnavailableError",
    "RayActorError",
    "NodeDiedError",
    "ObjectLostError",
    "OwnerDiedError",
    "WorkerCrashedError",
}
NODE_GRACE_S = 5.0  # how long a failed job waits for the cluster to see a node gone
NODE_DEATH_S = 18.0  # as long, with a sign that one went (the cluster's own: death_window)
# Ray's error saying an actor's node died ("The actor is dead because its node has
# died"), and the node's address it gives ("ip: 10.0.0.2", "Worker IP address: …")
NODE_DIED = re.compile(r"\bnode (has )?died\b|\bnode .{0,40}\bis dead\b", re.IGNORECASE)
ERROR_IP = re.compile(r"(?:\bip: |IP address: )(\S+)")
NODE_POLL_S = 0.25
LONG_ID = 16  # a node id looked for in an error's text: Ray's have 56 hex digits
# the progress line while the cluster is asked which node went away
NODE_WAIT = (
    "waiting up to {seconds:.0f} s for the cluster to say which node went away… "
    "(Cancel or Ctrl+C stops)"
)
log = logging.getLogger(__name__)


def alive_nodes(ray: Any) -> dict[str, str]:
    """The cluster's live nodes: node id -> address."""
    return {
        str(n["NodeID"]): str(n.get("NodeManagerAddress") or "?")
        for n in ray.nodes()
        if n.get("Alive")
    }


def node_death_window() -> float:
    """How long the cluster may take to see a node gone, by this machine's Ray settings
    (:func:`~.ray_worker.health_check_window`; Ray's defaults where it has none): used
    when the cluster's own (:func:`~.ray_nodes.death_window`) is not known. The 5 s
    waited before was shorter, and a node gone was often left unnamed."""
    window = health_check_window()
    return NODE_DEATH_S if window is None else window


def node_lost(
    error: BaseException,
    before: dict[str, str],
    now: Callable[[], dict[str, str]],
    notices: Notices,
    *,
    grace_s: float = NODE_GRACE_S,
    death_s: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    waiting: Callable[[str], None] = lambda text: None,
) -> NodeLost | None:
    """The job failed with ``error``: when that says an actor or node went away, and a
    node alive at the start (``before``) is gone by ``now()``, a :class:`NodeLost` that
    names it. The cluster is asked for up to ``grace_s``, or, once there is a sign that
    a node went away (Ray's notice of a raylet that ended, the error saying a node died
    or an actor unavailable), for up to ``death_s`` (the cluster's own time to tell, as
    its head node's Ray settings say: :func:`~.ray_nodes.death_window`; None: this
    machine's, :func:`node_death_window`). A node the error itself names as died is
    named at once. A node gone that the cluster has not named by then is said so,
    unnamed; no sign of a node gone, None (the job's own error is said). ``waiting``
    gets a line for the progress display once, as the wait begins (up to ~18 s, said
    by nothing before)."""
    kinds = {k.__name__ for k in type(error).__mro__}
    if not kinds & LOST_KINDS:
        return None
    text = str(error)
    said_died = bool(NODE_DIED.search(text)) or "NodeDiedError" in kinds
    names = node_names(before)
    named = _named_in(text, before, names) if said_died else []
    if named:
        return _node_lost(named)
    window = node_death_window() if death_s is None else death_s
    began = clock()
    told: list[float] = []  # the wait, once said
    while True:
        try:
            alive = now()
        except Exception:  # the cluster cannot tell now: the notices may
            alive = before
        gone = sorted({names[node] for node in before if node not in alive})
        signs = said_died or notices.nodes_ended or "ActorUnavailableError" in kinds
        limit = window if signs else grace_s
        if gone or clock() - began >= limit:
            break
        if not told:
            told.append(limit)
            waiting(NODE_WAIT.format(seconds=limit))
        sleep(NODE_POLL_S)
    if gone:
        return _node_lost(gone)
    if said_died or notices.nodes_ended:
        return NodeLost(
            f"a node of the Ray cluster went away during the job (its raylet ended: "
            f"{WORKER_DIED_TEXT}; or its machine is down), and the job with it; which one, "
            f"the cluster had not said after {clock() - began:.0f} s"
        )
    return None


def _named_in(text: str, before: dict[str, str], names: dict[str, str]) -> list[str]:
    """The nodes of ``before`` that Ray's error names as died: by its id where the error
    gives it, else by an address that no other node has (on one machine every node has
    the same: the cluster is asked then)."""
    by_id = sorted(names[node] for node in before if len(node) >= LONG_ID and node in text)
    if by_id:
        return by_id
    addresses = set(ERROR_IP.findall(text))
    return sorted(name for name in names.values() if name in addresses)


def _node_lost(addresses: list[str]) -> NodeLost:
    which = f"node {addresses[0]}" if len(addresses) == 1 else f"nodes {', '.join(addresses)}"
    return NodeLost(
        f"{which} of the Ray cluster went away during the job (its raylet ended: "
        f"{WORKER_DIED_TEXT}; or its machine is down), and the job with it"
    )


def nodes_gone(before: dict[str, str], alive: Callable[[], dict[str, str]]) -> list[str]:
    """The addresses of the nodes alive at the job's start (``before``: node id ->
    address) that the cluster no longer lists alive; none when it cannot tell."""
    try:
        now = alive()
    except Exception:
        log.debug("the cluster did not list its nodes", exc_info=True)
        return []
    return sorted(address for node, address in before.items() if node not in now)


@contextlib.contextmanager
def losses_told(
    notices: Notices | None,
    deaths: Callable[[], list[tuple[str, ...]]],
    before: dict[str, str],
    alive: Callable[[], dict[str, str]],
) -> Iterator[None]:
    """A job joined through Ray Client (``notices`` None: joined to the cluster, where
    Ray's own notices come): once it is over, finished or failed (not at a Cancel, a
    Ctrl+C or the head gone: nothing more is asked then), the workers that died
    (``deaths``: :func:`.ray_deaths.dead_workers`, asked on the cluster) and the nodes gone since
    its start (``before``, against ``alive()``) are kept in ``notices``, as Ray's
    notices of them would be. A cluster that cannot say (an error asking) adds nothing:
    the job's own result, or its own error, stands."""
    try:
        yield
    except (Cancelled, ClusterLost):
        raise
    except Exception:
        if notices is not None:
            _take(notices, deaths, before, alive)
        raise
    if notices is not None:
        _take(notices, deaths, before, alive)


def _take(
    notices: Notices,
    deaths: Callable[[], list[tuple[str, ...]]],
    before: dict[str, str],
    alive: Callable[[], dict[str, str]],
) -> None:
    try:
        found = deaths()
    except Exception:  # the cluster gone at the job's end: the job's own outcome stands
        log.debug("the cluster did not say which workers died", exc_info=True)
        found = []
    notices.take_dead_workers(found)
    notices.take_nodes_gone(nodes_gone(before, alive))
