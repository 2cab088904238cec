"""Ray's notices during a job kept (:class:`Notices`) and said in one line each, and the
notes a failed job's error gets from them (:func:`noted`). What takes the notices from
Ray is :mod:`.ray_notice_catch`; a job that failed because a node went away,
:mod:`.ray_node_lost` (:mod:`.ray_notices` tells the whole story)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from labeldesk.core.errors import Cancelled

from .ray_errors import ClusterError
from .ray_node_names import name_of

WORKER_DIED = "A worker died or was killed"
RAYLET_ENDED = "Raylet is terminated"
# The head's notice of a node it gave up on (its raylet gone): the same loss as the
# raylet's notice, which came twice (its node's two agents each send one), and had been
# counted as two nodes, with this one as a note of its own ("note: Ray: The node with
# node id: … has been marked dead because the detector has missed too many heartbeat…")
RAYLET_PID = re.compile(r"\[[\d-]+ [\d:,]+ [DIWEF] (\d+) \d+\] \(raylet\)")
NODE_MARKED_DEAD = re.compile(r"The node with node id: ([0-9a-f]+).{0,300}? has been marked dead")
RETRIED = "retries remaining"  # "Task … failed. There are infinite retries remaining, …"
WORKER_IP = re.compile(r"Worker IP address: (\S+)")
WORKER_ID = re.compile(r"Worker ID: ([0-9a-f]+)")
WORKER_NODE = re.compile(r"Node ID: ([0-9a-f]+)")
NOTICE_CHARS = 200  # the most of another notice said (Ray's can hold a whole log)
WORKER_DIED_TEXT = "killed, out of memory, or crashed"
AUTOSCALER_TIP = "Tip: use `ray status`"  # Ray's hint before the first event: not news
# The autoscaler's failure, with its traceback: pushed to the drivers when it happens,
# and logged by every driver that joins the cluster afterwards (until the autoscaler
# starts again), where it went to stderr whole
AUTOSCALER_FAILED = "The autoscaler failed"


class NodeLost(ClusterError):
    """One of the cluster's nodes went away mid-job and took the job with it (its head
    still answers: that is :class:`~.ray_errors.ClusterLost`)."""


@dataclass
class Notices:
    """What the cluster reported during a job, kept rather than printed."""

    # the workers' (IP address, node id or ""): named as :mod:`.ray_node_names` says
    workers_died: list[tuple[str, str]] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # node id -> name (node_names)
    nodes_ended: int = 0  # raylets that ended
    # the raylets' process ids (else the notices' texts): a node's agents each send one
    raylet_notices: set[str] = field(default_factory=set)
    nodes_dead: set[str] = field(default_factory=set)  # node ids the head gave up on
    worker_ids: set[str] = field(default_factory=set)  # of the workers died, where known
    other: list[str] = field(default_factory=list)  # any other notice's first line
    autoscaler: list[str] = field(default_factory=list)  # the autoscaler's events

    def take(self, text: str) -> None:
        """Keep one of Ray's notices (a paragraph, maybe with a log after it)."""
        if text.startswith(AUTOSCALER_FAILED):
            self.take_autoscaler(failure_line(text))
        elif WORKER_DIED in text:
            found, named = WORKER_IP.search(text), WORKER_ID.search(text)
            node = WORKER_NODE.search(text)
            if named is None or named.group(1) not in self.worker_ids:
                self.workers_died.append(
                    (found.group(1) if found else "", node.group(1) if node else "")
                )
            if named is not None:
                self.worker_ids.add(named.group(1))
        elif RAYLET_ENDED in text:
            pid = RAYLET_PID.search(text)  # its log's lines name its process
            self.raylet_notices.add(pid.group(1) if pid else text.strip())
            self._count_nodes(len(self.raylet_notices))
        elif (dead := NODE_MARKED_DEAD.search(text)) is not None:
            self.nodes_dead.add(dead.group(1))
            self._count_nodes(len(self.nodes_dead))
        elif RETRIED in text:
            return  # Ray runs the batch again: part of the worker's death said above
        else:
            first = text.strip().splitlines()[0] if text.strip() else ""
            if first:
                cut = first if len(first) <= NOTICE_CHARS else first[: NOTICE_CHARS - 1] + "…"
                self.other.append(cut)

    def _count_nodes(self, told: int) -> None:
        """The nodes ended: as many as the most that one kind of notice tells of (a
        raylet's notice and the head's both come for one node)."""
        self.nodes_ended = max(self.nodes_ended, told)

    def take_dead_workers(self, found: list[tuple[str, ...]]) -> None:
        """Keep the workers the cluster says died (worker id, IP address, and its node's
        id where said), as Ray's notice of each would be (one already told by its notice
        is not counted twice)."""
        for worker_id, address, *node in found:
            if worker_id not in self.worker_ids:
                self.worker_ids.add(worker_id)
                self.workers_died.append((address, node[0] if node else ""))

    def take_nodes_gone(self, addresses: list[str]) -> None:
        """Keep the nodes the cluster no longer lists, as Ray's notices of raylets that
        ended would be (as many as those notices, at least)."""
        self.nodes_ended = max(self.nodes_ended, len(addresses))

    def take_autoscaler(self, text: str) -> None:
        """Keep one of the autoscaler's events (its hint on ``ray status`` left out)."""
        text = text.strip()
        if text and not text.startswith(AUTOSCALER_TIP):
            first = text.splitlines()[0].removeprefix("Error: ").removeprefix("Warning: ")
            cut = first if len(first) <= NOTICE_CHARS else first[: NOTICE_CHARS - 1] + "…"
            self.autoscaler.append(cut)

    def lines(self, *, nodes: bool = True) -> list[str]:
        """One line for each kind of notice, for the job's summary (``nodes`` False:
        not the raylets that ended, which a :class:`NodeLost` error says already)."""
        lines = []
        if self.workers_died:
            where = sorted({name_of(ip, node, self.names) for ip, node in self.workers_died if ip})
            on = f" (on {', '.join(where)})" if where else ""
            n = len(self.workers_died)
            lines.append(
                f"{'a Ray worker' if n == 1 else f'{n} Ray workers'} died during the job{on}: "
                f"{WORKER_DIED_TEXT}; Ray started {'another' if n == 1 else 'others'} and "
                "ran the unfinished batches again"
            )
        if self.nodes_ended and nodes:
            n = self.nodes_ended
            lines.append(
                f"{'a node' if n == 1 else f'{n} nodes'} of the Ray cluster stopped during the "
                f"job (its raylet ended: {WORKER_DIED_TEXT})"
            )
        lines += [f"Ray: {text}" for text in dict.fromkeys(self.other)]
        lines += [f"Ray's autoscaler: {text}" for text in dict.fromkeys(self.autoscaler)]
        return lines


def failure_line(text: str) -> str:
    """The autoscaler's failure in one line: the error its traceback ends with."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return f"it failed on the cluster ({lines[-1] if len(lines) > 1 else 'no cause given'})"


@contextlib.contextmanager
def noted(notices: Notices, timing: Any = None) -> Iterator[None]:
    """A job's block whose failure (not Cancel) gets :func:`failure_notes`."""
    try:
        yield
    except Cancelled:
        raise
    except Exception as exc:
        failure_notes(exc, notices, timing)
        raise


def failure_notes(exc: BaseException, notices: Notices, timing: Any = None) -> None:
    """A job that failed: what the cluster reported meanwhile ("note: …") and, once it
    was sent to the workers, where its time went (``timing``, a
    :class:`~.ray_timing.JobTiming`), as notes on the error, after what it kept: the
    command line's error and the app's message end with them, as a finished job's
    summary does (they were said only of jobs that finished)."""
    for line in notices.lines(nodes=not isinstance(exc, NodeLost)):
        exc.add_note(f"note: {line}")
    if timing is not None and timing.started:
        exc.add_note(timing.text())
