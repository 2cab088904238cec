"""The errors of a job on a Ray cluster (:mod:`.ray_cluster`, :mod:`.ray_embed`,
:mod:`.ray_graph`), each raised with a message saying what to do, and how a Ray error's
cause is told (:func:`summary`)."""

from __future__ import annotations

from labeldesk.core.errors import LabelDeskError

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


def summary(exc: BaseException) -> str:
    """The last line of a Ray error that names the cause (Ray wraps remote tracebacks)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    for line in reversed(lines):
        if "Error" in line.split(":", 1)[0] or "Exception" in line.split(":", 1)[0]:
            return line
    return lines[-1] if lines else type(exc).__name__
