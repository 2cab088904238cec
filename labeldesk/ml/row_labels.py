"""The label state of the rows of a project's vectors, read in one transaction with the
id of the newest label event: what a training run learns and records, and what a cache
of predictions is keyed by. Read apart, a label set in between (another window, another
process) was recorded as part of a state the run, or the cache, never saw."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from labeldesk.core.image_rows import label_rows
from labeldesk.core.vocab import EXCLUDED, known_class_codes

if TYPE_CHECKING:
    from labeldesk.core.image_rows import Member
    from labeldesk.core.project import Project

    from .store import EmbeddedImages, ProjectVectors


@dataclass(frozen=True)
class RowLabels:
    """Per row of the vectors: class code (-1 unlabeled), review status, effective split;
    the class list and the label event they were read at."""

    classes: list[str]
    labels: np.ndarray
    statuses: list[str | None]
    splits: list[str | None]
    event_id: int
    # With ``members=True``: (image id, path, content hash) of the rows' usable images,
    # read with the labels (the dataset version a training run records)
    members: list[Member] | None = None


def row_labels(
    project: Project, vectors: ProjectVectors | EmbeddedImages, *, members: bool = False
) -> RowLabels:
    """:class:`RowLabels` for ``vectors``' rows; an image removed since the vectors were
    read counts as excluded (nothing learns from it)."""
    state = label_rows(project.db, members=members)
    gone = (None, EXCLUDED, None)
    rows = [state.rows.get(int(i), gone) for i in vectors.ids]
    labels = known_class_codes([r[0] for r in rows], state.classes, vectors.paths)
    seen = None
    if state.members is not None:
        ids = set(vectors.ids.tolist())
        seen = [m for m in state.members if m[0] in ids]
    return RowLabels(
        state.classes, labels, [r[1] for r in rows], [r[2] for r in rows], state.event_id, seen
    )
