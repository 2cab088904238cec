"""Model versions: every training run, what it saw, how it scored, where its weights are.

Weights are safetensors files with a JSON sidecar (never pickles), under
``PROJECT/models/<id>-<kind>/``; the ``model_versions`` table records when the run
happened, the label state it trained on (the last label event id), its hyperparameters,
metrics and checkpoint path. The table's queries are in :mod:`labeldesk.core.model_versions`.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labeldesk.core.failures import naming
from labeldesk.core.labels import last_event_id
from labeldesk.core.model_versions import (
    ModelVersion,
    add_model_version,
    model_version,
    model_versions,
)
from labeldesk.core.staging import delete_marked, process_space, remove_empty_leftover

from .cachefiles import write_bytes_atomically

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from labeldesk.core.model_versions import NewRun
    from labeldesk.core.project import Project

__all__ = [
    "ModelVersion",
    "discard_run_folder",
    "get_version",
    "last_label_event",
    "latest",
    "list_versions",
    "models_dir",
    "new_version_dir",
    "record_version",
    "write_json",
    "write_weights",
]


def models_dir(project: Project) -> Path:
    return project.path / "models"


def last_label_event(project: Project) -> int:
    """The label state a run trains on now: the newest label event's id (0 before any)."""
    return last_event_id(project.db)


RUN_MARKER = ".labeldesk-run"  # in a run's folder until its version is recorded


def new_version_dir(project: Project, kind: str) -> Path:
    """A fresh folder for a run's files (named before the row exists; renamed never).

    It holds :data:`RUN_MARKER` (this process's id) until :func:`record_version` records
    the run: a run killed outright (its own cleanup never ran) leaves a marked folder
    that no version uses, which the next run removes (:func:`sweep_unrecorded`)."""
    sweep_unrecorded(project)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    models_dir(project).mkdir(parents=True, exist_ok=True)
    n = 1
    while True:  # made, not looked for first: two runs ending in one second each get one
        folder = models_dir(project) / (f"{stamp}-{kind}" + (f"-{n}" if n > 1 else ""))
        try:
            folder.mkdir()
            break
        except FileExistsError:
            n += 1
    run = {"pid": os.getpid(), "host": socket.gethostname(), "created_at": time.time()}
    run["made_in"] = process_space()  # whose pid it is (a container shares the host name)
    marker = folder / RUN_MARKER
    try:
        with naming(marker):  # (a full disk's error says which disk)
            marker.write_text(json.dumps(run))
    except BaseException:
        # A full disk: the marker is empty or cut short, which no sweep can read (its
        # folder would stay for good). Both were just made here and hold nothing else.
        with contextlib.suppress(OSError):
            marker.unlink(missing_ok=True)
            folder.rmdir()
        raise
    return folder


def write_weights(
    path: Path, state: dict[str, Any], metadata: dict[str, str] | None = None
) -> None:
    """Write ``state`` as a safetensors file at ``path``, atomically (a reader never sees
    half of it). Serialised here and written by Python, so a full or read-only disk is
    an ``OSError`` that names the folder (safetensors' own writer raises its own error
    type, which reads as an internal error)."""
    from safetensors.torch import save

    write_bytes_atomically(path, save(state, metadata=metadata))


def write_json(path: Path, value: Any) -> None:
    """A run's JSON sidecar, written atomically."""
    write_bytes_atomically(path, json.dumps(value, indent=2).encode("utf-8"))


def sweep_unrecorded(project: Project) -> list[Path]:
    """Remove run folders that a killed run left: marked (:data:`RUN_MARKER`), of a
    process of this computer's boot and container that is gone (a pid of another
    container on this host is another process), and used by no recorded version.
    Anything else stays (a marker an older LabelDesk wrote does not say whose pid it is:
    its folder stays); a recorded run's stale marker is dropped. Never an error."""
    from labeldesk.core.staging import process_alive

    removed: list[Path] = []
    try:
        folders = [f for f in models_dir(project).iterdir() if f.is_dir() and not f.is_symlink()]
    except OSError:
        return removed
    marked = [f for f in folders if (f / RUN_MARKER).is_file()]
    used = {
        Path(v.checkpoint).parts[1]
        for v in list_versions(project)
        if v.checkpoint and len(Path(v.checkpoint).parts) > 2
    }
    for folder in marked:
        try:
            run = json.loads((folder / RUN_MARKER).read_text())
            pid, made_in = int(run["pid"]), run.get("made_in")
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue
        if folder.name in used:
            (folder / RUN_MARKER).unlink(missing_ok=True)
        elif (
            made_in == process_space()  # (of another machine or container: its id means nothing)
            and not process_alive(pid)
            and discard_run_folder(folder)  # (one it could not empty keeps its marker)
        ):
            removed.append(folder)
    # A run killed while deleting such a folder, between its marker and the folder itself
    removed += [f for f in folders if f.name not in used and remove_empty_leftover(f)]
    return removed


def discard_run_folder(folder: Path) -> bool:
    """Delete a run's folder that no version uses, its marker last: a run killed
    mid-delete leaves a marked folder (removed by the next run), or an empty one.
    Whether it is gone."""
    return delete_marked(folder, RUN_MARKER)


def record_version(
    project: Project, *, checkpoint: Path | None, **run: Unpack[NewRun]
) -> ModelVersion:
    """Record a finished (or cancelled) run; ``classes``: the class list it learned, as
    it was when the run began (its dataset version keeps that list); ``seen``: the only
    images it could use, ``(id, path, content hash)`` as read when it began (its dataset
    version lists those: a file edited or removed while it trained is reported so by an
    export of it), else every usable one now; ``awaits_embeddings``: the project is
    embedded with it next, and keeps the embeddings it has until those are whole."""
    rel = str(checkpoint.relative_to(project.path)) if checkpoint else None
    version_id = add_model_version(project.db, checkpoint=rel, **run)
    if checkpoint is not None:  # recorded: no longer a leftover to sweep
        with contextlib.suppress(OSError):
            (checkpoint.parent / RUN_MARKER).unlink(missing_ok=True)
    return get_version(project, version_id)


def list_versions(project: Project, kind: str | None = None) -> list[ModelVersion]:
    """Every run (of ``kind`` when given), newest first."""
    return model_versions(project.db, kind)


def get_version(project: Project, version_id: int) -> ModelVersion:
    version = model_version(project.db, version_id)
    if version is None:
        from labeldesk.core.errors import LabelDeskError

        raise LabelDeskError(
            f"no model version {version_id} (`labeldesk models PROJECT` lists them)"
        )
    return version


def latest(project: Project, kind: str, embedding_key: str | None = None) -> ModelVersion | None:
    for version in list_versions(project, kind):
        if embedding_key is None or version.embedding_key == embedding_key:
            return version
    return None
