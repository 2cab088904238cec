"""Split leakage in what an export wrote: its val and test images that have a copy in its
own train split, so that a model trained on the export would be tested on pictures it
trained on. A warning in the export's report; it never changes what is written.

Exact copies (the same content hash) are always checked: one pass over the hashes the
export already holds, nothing read from disk. Near duplicates (the duplicate rule of
:mod:`labeldesk.ml.duplicates`) are checked only where the kNN graph of the current
embeddings is already cached (``labeldesk duplicates``, Statistics, ``issues`` and the
like leave it): an export never starts that search, and says when it was not made. Only
the graph's pairs between the export's train images and its val/test ones are compared
(each once), not the whole search's, and nothing is written to the project: where
perceptual hashes were never computed (a project older than them that no search has
hashed yet) near duplicates are not checked. Written images without embeddings are
counted (``not_embedded``): near copies among them were not looked for.

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

log = logging.getLogger(__name__)

TRAIN = "train"
HELD_OUT = ("val", "test")
# Why near duplicates were not checked (``near_not_checked``)
NOT_EMBEDDED = "the images have no embeddings"
# (the graph is cached for the embedded images as they are: embedding more, or a scan
# that moved, renamed or removed one of them, leaves none until a search runs again)
NO_SEARCH = "no duplicate search since images were last embedded, moved or removed"
NOT_HASHED = "the images' perceptual hashes are not computed yet"
# Whose remedy is a duplicate search (``labeldesk duplicates``, Statistics)
SEARCH_MAKES = (NO_SEARCH, NOT_HASHED)
# A read-only project keeps no search (nor perceptual hashes): an export searches its
# embedded images itself, for this run, up to IN_MEMORY_MAX of them (the exact search:
# labeldesk.ml.search.GRAPH_EXACT_MAX)
IN_MEMORY_MAX = 20_000
READ_ONLY_LARGE = (
    f"the project is read-only, so no duplicate search is kept in it, and an export "
    f"searches itself only up to {IN_MEMORY_MAX:,} embedded images"
)
READ_ONLY_NOT_HASHED = (
    "the images' perceptual hashes are not computed, and the project is read-only"
)
# Whose remedy is a search in a writable copy of the project
COPY_MAKES = (READ_ONLY_LARGE, READ_ONLY_NOT_HASHED)


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
    written), ``paths`` (the leaking images as the export names them, in order) and
    ``not_embedded`` (written train/val/test images without embeddings, whose near copies
    were not looked for; None when near duplicates were not checked)."""
    failed = report.failed_paths()
    # an image without a split written among a split's images: the folder it is in
    placed = {report.renamed.get(rel, rel): split for rel, split in report.no_split.items()}
    splits = [  # where each item was written (None: not written, or in no split)
        None
        if item.path in failed or item.path in report.kept_apart
        else placed.get(item.path)
        if item.split == UNASSIGNED
        else item.split
        for item in items
    ]
    # Exact copies: one set of the train images' content hashes (the export holds them),
    # looked up for each val/test image; nothing is read from disk or the database
    in_train = {
        item.hash
        for item, split in zip(items, splits, strict=True)
        if split == TRAIN and item.hash is not None
    }
    held_out = {  # path -> (split, content hash)
        item.path: (split, item.hash)
        for item, split in zip(items, splits, strict=True)
        if split in HELD_OUT
    }
    exact = {path for path, (_, content) in held_out.items() if content in in_train}
    near: set[str] | None = None
    why_not, not_embedded = None, None
    rest = {c for path, (_, c) in held_out.items() if path not in exact and c is not None}
    try:
        found = _near_copies(project, in_train, rest, items, splits, progress, cancel)
    except Cancelled:
        raise
    except (LabelDeskError, OSError, sqlite3.Error) as exc:  # a warning fails no export
        log.info("near duplicates not checked for leakage: %s", exc)
        found = f"the duplicate search failed: {exc}"
    if isinstance(found, str):
        why_not = found
    else:
        copied, embedded = found
        near = {path for path, (_, content) in held_out.items() if content in copied} - exact
        not_embedded = sum(
            1
            for item, split in zip(items, splits, strict=True)
            if split in (TRAIN, *HELD_OUT) and item.hash not in embedded
        )
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
        "not_embedded": not_embedded,
    }


def _near_copies(
    project: Project,
    in_train: set[str],
    held_out: set[str],
    items: list[Item],
    splits: list[str | None],
    progress: ProgressCallback,
    cancel: CancelToken,
) -> tuple[set[str], set[str]] | str:
    """The val/test contents (``held_out``) with a near copy in train, and the contents
    that have a vector; or why none were looked for (no embeddings, no graph cached:
    never computed here; perceptual hashes missing: never computed here either)."""
    from labeldesk.core.image_rows import images_without_phash
    from labeldesk.ml.duplicates import near_copies_between
    from labeldesk.ml.errors import NoEmbeddings
    from labeldesk.ml.neighbors import cached_neighbours, graph_in_memory

    read_only = project.read_only is not None
    try:
        graph = cached_neighbours(project)  # (no vector read)
    except NoEmbeddings:
        return NOT_EMBEDDED
    if graph is None and not read_only:
        return NO_SEARCH
    unhashed = {path for _, path in images_without_phash(project.db)}
    compared = (TRAIN, *HELD_OUT)
    if any(s in compared and i.read_from in unhashed for i, s in zip(items, splits, strict=True)):
        return READ_ONLY_NOT_HASHED if read_only else NOT_HASHED

    def phase(p: Progress) -> None:
        progress(Progress(p.done, p.total, f"checking for leakage: {p.message}"))

    if graph is None:  # read-only: searched now where that is quick, not kept (its bar
        # moves, Cancel stops it: the export is cancelled and nothing is written)
        graph = graph_in_memory(project, IN_MEMORY_MAX, progress=phase, cancel=cancel)
        if graph is None:
            return READ_ONLY_LARGE
    images, sims, rows = graph
    copied = near_copies_between(
        project, images, sims, rows, in_train, held_out, progress=phase, cancel=cancel
    )
    return copied, set(images.hashes)
