"""Small reads the GUI needs that core does not offer yet.

Each function here is a stop-gap that reaches into the project's database; it should
become a :class:`~labeldesk.core.project.Project` method (see the notes on each) so the
GUI holds no SQL and the CLI could use the same call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from labeldesk.core.labels import undo_last
from labeldesk.core.project import Project

_CHUNK = 900  # stay under SQLite's bound-parameter limit
# What Ctrl+Z may take back: changes made by the user in the app, never a scan's folder
# labels or an imported labels file (one stray key press must not erase a whole import).
USER_SOURCES = ("human", "suggestion")


class ImageState(NamedTuple):
    """The mutable part of an image row: what labeling and review change."""

    image_id: int
    label: str | None
    split: str | None
    status: str | None


def read_image_states(project: Project, image_ids: Sequence[int]) -> list[ImageState]:
    """Current label, effective split and status of some images.

    Wanted in core as ``Project.images(ids=...)`` (or ``image_states(ids)``): re-reading
    all of ``Project.images()`` after every key press costs O(dataset) per label. The
    split expression mirrors ``Project.images()`` (a labeled image without one is train).
    """
    states: list[ImageState] = []
    ids = [int(i) for i in dict.fromkeys(image_ids)]
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        rows = project.db.query(
            "SELECT id, label, CASE WHEN split IS NULL AND label IS NOT NULL THEN 'train' "
            f"ELSE split END, status FROM images WHERE id IN ({marks})",
            chunk,
        )
        states.extend(ImageState(int(r[0]), r[1], r[2], r[3]) for r in rows)
    return states


def undo_last_user_change(project: Project) -> tuple[int, int]:
    """Undo the newest batch the user made; returns (batch id, events reverted).

    Wanted in core as ``Project.undo(sources=...)``: ``Project.undo()`` also reverts
    import batches, so in a fresh project the first Ctrl+Z would drop every folder label.
    Raises :class:`~labeldesk.core.errors.NothingToUndoError` like ``Project.undo()``.
    """
    return undo_last(project.db, sources=USER_SOURCES)
