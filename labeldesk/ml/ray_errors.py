"""The errors of a job on a Ray cluster (:mod:`.ray_cluster`, :mod:`.ray_embed`,
:mod:`.ray_graph`), each raised with a message saying what to do, and how a Ray error's
cause is told (:func:`summary`)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from labeldesk.core.errors import LabelDeskError

from .ray_node_names import name_of

# Told when Cancel or Ctrl+C stops a job before it has written anything.
STOPPED_STARTING = "stopped while the job was starting on the Ray cluster; nothing was written"


class ClusterError(LabelDeskError):
    """A Ray cluster cannot run this job (nothing was written for it)."""


class ClusterUnavailable(ClusterError):
    """Nothing answers at the address, or Ray is not installed here."""


class ClusterLost(ClusterUnavailable):
    """The cluster stopped answering during a job: its head's process or machine is gone
    (the job's message says what was kept)."""


class SeveralClusters(ClusterError):
    """``auto`` found several Ray clusters running on this machine: which one is meant
    cannot be told (Ray would take the last ``ray start``'s, or any)."""


class ClusterMismatch(ClusterError):
    """The cluster runs another version of Ray, Python, LabelDesk or the model."""


class ImageMissingOnWorker(ClusterError):
    """An image cannot be found where a worker reads it (shared path or --remote-root)."""


class ImagesDifferOnWorker(ClusterError):
    """Where a worker reads the images, files of the same names hold other content."""


def summary(exc: BaseException, names: Mapping[str, str] | None = None) -> str:
    """The last line of a Ray error that names the cause (Ray wraps remote tracebacks);
    a process Ray's memory monitor killed, said in one line (:func:`out_of_memory`, its
    node named by ``names``: :func:`.ray_node_names.node_names`)."""
    text = str(exc)
    killed = out_of_memory(text, names or {})
    if killed is not None:
        return killed
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in reversed(lines):
        if "Error" in line.split(":", 1)[0] or "Exception" in line.split(":", 1)[0]:
            return line
    return lines[-1] if lines else type(exc).__name__


# Ray's memory monitor kills a worker when its node's memory use passes a threshold (95%
# by default); the error then holds a page of object-store figures and ends with a link
# to Ray's documentation, which was all the job's error said ("the Ray job failed: Refer
# to the documentation on how to address the out of memory issue: …").
OOM_KILLED = "killed due to the node running low on memory"
OOM_NODE = re.compile(
    r"Memory on the node \(IP: ([^,)]+)(?:, ID: ([0-9a-f]+))?[^)]*\) was (\S+) used / (\S+) limit"
)
OOM_TASK = re.compile(r"task name=([\w.]+)")
OOM_SHARE = re.compile(r"\(([\d.]+)% of \d+B limit\)")


def out_of_memory(text: str, nodes: Mapping[str, str] | None = None) -> str | None:
    """Ray's error for processes its memory monitor killed (this job's, or another's on
    the same node, as Ray lists them), in one line with what to do; None for any other
    error. The node is named by ``nodes`` (node id -> name) where it is one of them."""
    if OOM_KILLED not in text:
        return None
    node, share = OOM_NODE.search(text), OOM_SHARE.search(text)
    names = list(dict.fromkeys(name.split(".")[0] for name in OOM_TASK.findall(text)))
    what = (
        "a process"
        if not names
        else names[0]
        if len(names) == 1
        else f"{len(names)} processes ({', '.join(names)})"
    )
    where = f"node {name_of(node.group(1), node.group(2), nodes or {})}" if node else "its node"
    used = f" ({node.group(3)} of {node.group(4)} in use)" if node else ""
    limit = f"{float(share.group(1)):g}%" if share else "95%"
    return (
        f"Ray's memory monitor killed {what} because {where} was low on memory{used}: it "
        f"kills workers when a node's memory use passes {limit}. Free memory on that node "
        "(other programs there), or start Ray there with a higher RAY_memory_usage_threshold "
        "(e.g. 0.98)"
    )
