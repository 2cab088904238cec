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
folder (a relative ``--remote-root`` is refused before the job).

A process already connected when LabelDesk is asked to run a job (a notebook's own
``ray.init``) keeps the connection it made, folders and all: LabelDesk does not end a
connection it did not start, and Ray takes a working directory only for the whole job,
as it connects (a task's must be a URI, not a folder). Where that connection put a folder
holding another LabelDesk first on the workers' path, the job is refused before it starts
(:func:`shadowing_folders`), naming the folder and what to do."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

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


def shadowing_folders(ray: Any) -> list[Path]:
    """The folders this process's Ray connection puts first on its workers' module path
    (the driver's current folder and script folder, as ``ray.init`` found them: its job's
    ``py_driver_sys_path``) that hold a LabelDesk other than the one running here: the
    workers on this machine would import that one. Empty where none does, or where Ray
    does not say (then the nodes' version check still stops a job whose code differs)."""
    try:
        config = ray._private.worker.global_worker.core_worker.get_job_config()
        folders = [str(f) for f in config.py_driver_sys_path]
    except Exception:  # (Ray Client, another Ray: nothing of this machine is said)
        log.info("cannot ask Ray which folders its workers import first", exc_info=True)
        return []
    ours = Path(__file__).resolve().parents[1]  # (the labeldesk package running here)
    found: list[Path] = []
    for folder in dict.fromkeys(folders):
        package = Path(folder) / "labeldesk"
        try:
            other = (package / "__init__.py").is_file() and package.resolve() != ours
            other = other or (Path(folder) / "labeldesk.py").is_file()
        except OSError:
            continue
        if other:
            found.append(Path(folder))
    return found


def shadowed_message(folders: list[Path]) -> str:
    """What to tell a person whose own Ray connection would have the workers import the
    LabelDesk in ``folders`` (:func:`shadowing_folders`)."""
    shown = ", ".join(str(f) for f in folders)
    return (
        f"this process joined the Ray cluster itself (ray.init, before LabelDesk ran) from "
        f"{shown}, which holds another LabelDesk (a labeldesk package): Ray puts that "
        "folder first on its workers' module path, so the workers here would run that "
        "code, not their node's LabelDesk; nothing was run. Call ray.shutdown() and let "
        "LabelDesk join the cluster itself (it gives its jobs an empty working folder), or "
        "call ray.init(..., runtime_env={'working_dir': EMPTY_FOLDER}), or start Python "
        "in a folder without a labeldesk package"
    )


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
