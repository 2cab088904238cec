"""Where a job's workers import LabelDesk from: each node's own installation, never the
folder the command was run in (:func:`job_environment`, for ``ray.init``).

Ray puts the driver's current folder first on its workers' module path, for a driver that
joins the cluster itself (``ray/_private/worker.py``, ``connect``: "Add the directory
containing the script that is running to the Python paths of the workers. Also add the
current directory"; not through Ray Client). `labeldesk embed --ray` run from inside
another LabelDesk checkout (any folder holding a ``labeldesk/`` package) made the nodes
of a cluster on this machine run that checkout: the version check stopped the job with
"node … runs LabelDesk 0.9.0+1a2b…, this machine 0.9.0+3c4d…", which a user in a source
tree could not explain. Ray adds neither folder when the job has a working directory of
its own (a ``working_dir`` in its runtime environment): the job is given an empty one, made
for the connection (Ray packs it as ``ray.init`` starts, and each node keeps the packed
copy, a few hundred bytes, by its content: the same for every job) and removed when
``ray.init`` ends. The workers start in it; nothing of LabelDesk's reads their current
folder (a relative ``--remote-root`` is refused before the job)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

# Set by Ray's job manager for a driver started with `ray job submit`: its job's settings.
SUBMITTED_JOB = "RAY_JOB_CONFIG_JSON_ENV_VAR"
_MADE: set[str] = set()  # the folders of ray.init calls still running


@contextlib.contextmanager
def job_environment(address: str) -> Iterator[dict[str, Any] | None]:
    """The ``runtime_env`` to join the cluster at ``address`` with, for as long as
    ``ray.init`` runs: a ``working_dir`` of an empty folder made here (removed after).
    None where Ray puts no folder of this machine on the workers' path: through Ray
    Client (``ray://``), or in a job submitted with a working directory of its own
    (``ray job submit --working-dir``: the user's, which this would conflict with)."""
    if address.strip().startswith("ray://") or _submitted_with_working_dir():
        yield None
        return
    empty = tempfile.mkdtemp(prefix="labeldesk-ray-job-")
    _MADE.add(empty)
    try:
        yield {"working_dir": empty}
    finally:
        _MADE.discard(empty)
        shutil.rmtree(empty, ignore_errors=True)


def remove_made() -> None:
    """Remove the folders of ``ray.init`` calls still running: for a process that leaves
    without its teardown while one is in Ray's hands (``cli.leave``)."""
    for folder in list(_MADE):
        _MADE.discard(folder)
        shutil.rmtree(folder, ignore_errors=True)


def _submitted_with_working_dir() -> bool:
    try:
        settings = json.loads(os.environ.get(SUBMITTED_JOB) or "{}")
    except ValueError:
        return False
    env = settings.get("runtime_env") if isinstance(settings, dict) else None
    return isinstance(env, dict) and bool(env.get("working_dir"))
