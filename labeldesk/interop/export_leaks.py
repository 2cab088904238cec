"""Split leakage in what an export wrote: its val and test images that have a copy in its
own train split, so that a model trained on the export would be tested on pictures it
trained on. A warning in the export's report; it never changes what is written.

Exact copies (the same content hash) are always checked: one pass over the hashes the
export already holds, nothing read from disk. Near duplicates (the duplicate rule of
:mod:`labeldesk.ml.duplicates`) are checked only where the kNN graph of the current
embeddings is already cached (``labeldesk duplicates``, Statistics, ``issues`` and the
like leave it): an export never starts that search, and says when it was not made.

The splits are the export's, not the project's: a version's, or those ``--make-splits``
made, and an image without a split counts in the split whose folder it was written into
(``report.no_split``). Only written images count: an excluded or failed copy leaks nothing.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import TYPE_CHECKING, Any

from labeldesk.core.errors import Cancelled, LabelDeskError
from labeldesk.core.progress import CancelToken, Progress, ProgressCallback

from .writing import UNASSIGNED, ExportReport, Item

if TYPE_CHECKING:
    from labeldesk.core.project import Project
    from labeldesk.ml.duplicates import DuplicateGroup

log = logging.getLogger(__name__)

TRAIN = "train"
HELD_OUT = ("val", "test")
# Why near duplicates were not checked (``near_not_checked``)
NOT_EMBEDDED = "the images have no embeddings"
NO_SEARCH = "no duplicate search since the images were last embedded"


def find_leakage(
    project: Project,
    items: list[Item],
    report: ExportReport,
    *,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> dict[str, Any]:
    """The export's val/test images with a copy in its train split (see the module's
    docstring), as ``report.leakage`` holds it: ``checked`` (``["exact"]`` or
    ``["exact", "near"]``), ``images`` (how many leak), ``exact``, ``near`` (None: not
    checked, ``near_not_checked`` says why), ``per_split``, ``held_out`` (val/test images
    written) and ``paths`` (the leaking images as the export names them, in order)."""
    failed = report.failed_paths()
    # an image without a split written among a split's images: the folder it is in
    placed = {report.renamed.get(rel, rel): split for rel, split in report.no_split.items()}
    splits = [  # where each item was written (None: not written, or in no split)
        None
        if item.path in failed
        else placed.get(item.path)
        if item.split == UNASSIGNED
        else item.split
        for item in items
    ]
    # Exact copies: one set of the train images' content hashes (the export holds them),
    # looked up for each val/test image; nothing is read from disk or the database
    in_train = {item.hash for item, split in zip(items, splits, strict=True) if split == TRAIN}
    in_train.discard(None)
    held_out = {  # path -> (split, content hash)
        item.path: (split, item.hash)
        for item, split in zip(items, splits, strict=True)
        if split in HELD_OUT
    }
    exact = {path for path, (_, content) in held_out.items() if content in in_train}
    near: set[str] | None = None
    why_not = None
    try:
        found = _near_groups(project, progress, cancel)
    except Cancelled:
        raise
    except (LabelDeskError, OSError, sqlite3.Error) as exc:  # a warning fails no export
        log.info("near duplicates not checked for leakage: %s", exc)
        found = f"the duplicate search failed: {exc}"
    if isinstance(found, str):
        why_not = found
    else:
        written = {
            item.read_from: (item.path, split)
            for item, split in zip(items, splits, strict=True)
            if split is not None
        }
        near = _near_leaks(found, written) - exact
    leaking = sorted(exact | (near or set()))
    per_split: dict[str, int] = {}
    for path in leaking:
        split = held_out[path][0]
        per_split[split] = per_split.get(split, 0) + 1
    return {
        "checked": ["exact"] if near is None else ["exact", "near"],
        "images": len(leaking),
        "exact": len(exact),
        "near": None if near is None else len(near),
        "near_not_checked": why_not,
        "per_split": {s: per_split[s] for s in HELD_OUT if s in per_split},
        "held_out": len(held_out),
        "paths": leaking,
    }


def _near_groups(
    project: Project, progress: ProgressCallback, cancel: CancelToken
) -> list[DuplicateGroup] | str:
    """The duplicate groups from the cached kNN graph, or why there are none to look in
    (no embeddings, no graph cached: never computed here)."""
    from labeldesk.ml.duplicates import find_duplicates
    from labeldesk.ml.errors import NoEmbeddings
    from labeldesk.ml.neighbors import cached_graph

    try:
        graph = cached_graph(project)
    except NoEmbeddings:
        return NOT_EMBEDDED
    if graph is None:
        return NO_SEARCH

    def phase(p: Progress) -> None:
        progress(Progress(p.done, p.total, f"checking for leakage: {p.message}"))

    return find_duplicates(project, graph=graph, progress=phase, cancel=cancel)


def _near_leaks(groups: list[DuplicateGroup], written: dict[str, tuple[str, str]]) -> set[str]:
    """Paths (as the export names them) of the written val/test images with a copy in
    train among the near groups' members (``written``: the project path each written image
    was read from -> its path in the export and its split there): the same picture
    (content hash) as a train image, or joined to one directly by a near pair, as
    :func:`labeldesk.ml.duplicates.copies_of` tells copies; a picture only like a copy of
    a train image is not one."""
    leaks: set[str] = set()
    for group in groups:
        if group.kind != "near":
            continue  # exact groups: the hashes said it all
        members = [written.get(path) for path in group.paths]
        keys = [group.hashes[i] if i < len(group.hashes) else None for i in range(len(group.paths))]
        trained = {keys[i] for i, m in enumerate(members) if m is not None and m[1] == TRAIN}
        if not trained:
            continue
        linked: dict[str | None, set[str | None]] = {}
        for a, b in group.links:
            linked.setdefault(keys[a], set()).add(keys[b])
            linked.setdefault(keys[b], set()).add(keys[a])
        for key, member in zip(keys, members, strict=True):
            if member is None or member[1] not in HELD_OUT:
                continue
            if key in trained or trained & linked.get(key, set()):
                leaks.add(member[0])
    return leaks
