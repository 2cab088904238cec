"""What a Ray embedding job is given and checks before it starts (:mod:`.ray_embed`):
the image folder and ``--remote-root`` refused early, the workers and batch size the
cluster has room for, each image still without a vector, what a worker gets of it, and
the few images each node must read before anything is sent."""

from __future__ import annotations

import re
from pathlib import PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING, Any

import numpy as np

from labeldesk.core.image_rows import usable_files
from labeldesk.core.indexed_files import stat_matches

from .device import default_batch_size
from .embed import EmbedReport, image_root_error, image_root_state
from .ray_errors import ClusterError
from .ray_nodes import ClusterShape
from .ray_results import JobPlan
from .runtime import RUNTIME_BATCH
from .store import embeddings_dir
from .vectors import VectorStore

if TYPE_CHECKING:
    from labeldesk.core.project import Project

PROBE_SAMPLE = 3  # images each node must be able to read before the job starts
PROBE_LOOK = 200  # images looked at here to find that many still as scanned


def check_root_before(project: Project) -> None:
    """The image folder here is empty, the mount point a drive not mounted leaves: the
    workers, reading the images at the same path, would most likely find none either (a
    local run stops there too). Said before Ray starts or the model loads. A folder not
    here at all is let through: the images may be only where the workers are."""
    if image_root_state(project.root) == "empty":
        why = "the Ray workers would read the images there too"
        hint = "if they see the images elsewhere, name that place with --remote-root; "
        raise image_root_error(project.root, "empty", why, hint)


_NOT_IN_URI = re.compile(r"[\s<>\"{}|\\^`]")


def check_remote_root(remote_root: str | None) -> None:
    """A URI ``--remote-root`` that a URI cannot hold as written (a space, a tab, a
    quote): said here, with the way to write it, not by each node's parser later
    ("the nodes did not answer: ArrowInvalid")."""
    if remote_root and "://" not in remote_root and not _absolute(remote_root):
        # each worker would look for it under its own working folder: "not found", late
        raise ClusterError(
            f"--remote-root {remote_root!r} is a relative path; it must be where the workers "
            "see the image folder: an absolute path (/mnt/photos) or a URI (s3://bucket/"
            "prefix, gs://..., hdfs://..., file:///...)"
        )
    if remote_root and "://" in remote_root:
        bad = _NOT_IN_URI.search(remote_root)
        if bad:
            raise ClusterError(
                f"--remote-root {remote_root!r} is a URI and holds {bad.group()!r}, which a "
                "URI cannot hold as written: percent-encode it (a space is %20)"
            )


def _absolute(path: str) -> bool:
    """Absolute on the workers, whatever their system: ``/mnt/x``, ``C:\\x``, ``\\\\srv\\x``."""
    return PurePosixPath(path).is_absolute() or PureWindowsPath(path).is_absolute()


def job_plan(
    shape: ClusterShape, workers: int | None, gpus: float | None, batch_size: int | None
) -> JobPlan:
    """Workers, GPUs each and batch size for this cluster; an impossible ask fails now
    (Ray would wait forever for resources that never come)."""
    if gpus is None:
        gpus = 1.0 if shape.gpus >= 1 else 0.0
    if gpus > 0:
        if shape.gpus < gpus:
            raise ClusterError(
                f"the cluster has {shape.gpus:g} GPUs; a worker asks for {gpus:g} "
                "(use --gpus-per-worker 0 to embed on CPUs)"
            )
        fits = int(shape.gpus // gpus)
    else:
        if shape.cpus < 1:
            raise ClusterError("the cluster has no CPU for a worker")
        fits = int(shape.cpus)
    default = fits if gpus > 0 else max(1, min(shape.nodes, fits))
    device = "cuda" if gpus > 0 else "cpu"
    batch = batch_size or (default_batch_size(device) if gpus > 0 else RUNTIME_BATCH)
    most = workers or default
    return JobPlan(most, gpus, batch, device, start=max(1, min(most, fits)))


def existing_store(project: Project, key: str, dim: int) -> VectorStore | None:
    """The model's store if there is one, opened read-only (nothing is created)."""
    folder = embeddings_dir(project) / key
    return VectorStore(folder, dim) if (folder / "identity.json").exists() else None


def missing(project: Project, store: VectorStore | None, report: EmbedReport) -> list[Any]:
    """One image row for each content without a vector, in hash order (pseudo-random
    across folders, as a local run: a partial job leaves a fair sample)."""
    rows = usable_files(project.db)
    report.total = len(rows)
    todo: dict[str, Any] = {}
    hashes = [r["hash"] for r in rows]
    have = store.rows_for(hashes) if store is not None else np.full(len(rows), -1)
    for row, found in zip(rows, have, strict=True):
        if found < 0:
            todo.setdefault(row["hash"], row)
    return [todo[digest] for digest in sorted(todo)]


def job_items(rows: list[Any]) -> list[tuple[str, str, int]]:
    """What a worker gets of each image: (hash, path, short side as scanned, 0 when
    unknown); the side picks the pixels it embeds, as a local run's do."""
    return [
        (r["hash"], r["path"], min(r["width"], r["height"]) if r["width"] and r["height"] else 0)
        for r in rows
    ]


def probe_sample(project: Project, rows: list[Any]) -> list[tuple[str, str]]:
    """(hash, path) of the first images to embed whose file here is still as scanned
    (same size, mtime and change time: bytes rewritten with the old time put back move
    the change time): one deleted or edited since the scan says nothing about the
    workers' root. The first ones when none is found here."""
    sample: list[tuple[str, str]] = []
    for row in rows[:PROBE_LOOK]:
        try:
            st = project.image_path(row["path"]).stat()
        except OSError:
            continue
        if stat_matches(st, (row["size"], row["mtime_ns"], row["ctime_ns"])):
            sample.append((row["hash"], row["path"]))
            if len(sample) == PROBE_SAMPLE:
                break
    return sample or [(r["hash"], r["path"]) for r in rows[:PROBE_SAMPLE]]
