"""Review actions on a likely mislabel. Each is one undoable batch in the label history.

- accept: take the suggested label (source "suggestion"); a person checked it: verified
- relabel: a person picks another label (source "human"); verified too
- keep: the label is right; mark it verified so it is not flagged again until it changes
- exclude: junk or ambiguous; kept out of training and export (``include`` undoes it)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .display import quoted_names, shown_path
from .vocab import EXCLUDED, VERIFIED

if TYPE_CHECKING:
    from .changes import Changes
    from .project import Project

UNSEEN = object()  # no label was shown: nothing to check the image's label against


def accept(
    project: Project,
    path: str,
    suggested: str,
    shown: object = UNSEEN,
    image_id: int | None = None,
) -> Changes:
    """``shown``: the label the person saw (None: unlabeled); when the image's label is
    another by now, LabelChangedError and nothing is written (as for every action here).
    ``image_id``: the image the person saw at ``path``; when the path holds another one
    by now (a scan followed swapped files), ImageMovedError and nothing is written."""
    return project.set_labels(
        {path: suggested},
        source="suggestion",
        description=f"accept suggestion {quoted_names([suggested])} for {shown_path(path)}",
        verify=True,
        expect=_expect(path, shown),
        shown_ids=_seen(path, image_id),
    )


def relabel(
    project: Project,
    path: str,
    label: str,
    shown: object = UNSEEN,
    image_id: int | None = None,
) -> Changes:
    return project.set_labels(
        {path: label},
        description=f"relabel {shown_path(path)} as {quoted_names([label])}",
        verify=True,
        expect=_expect(path, shown),
        shown_ids=_seen(path, image_id),
    )


def keep(
    project: Project, path: str, shown: object = UNSEEN, image_id: int | None = None
) -> Changes:
    return project.set_status(
        [path], VERIFIED, expect=_expect(path, shown), shown_ids=_seen(path, image_id)
    )


def _seen(path: str, image_id: int | None) -> dict[str, int] | None:
    return None if image_id is None else {path: image_id}


def _expect(path: str, shown: object) -> dict[str, str | None] | None:
    if shown is UNSEEN:
        return None
    if shown is not None and not isinstance(shown, str):
        raise TypeError(f"shown must be a label or None, not {shown!r}")
    return {path: shown}


def exclude(project: Project, path: str, image_id: int | None = None) -> Changes:
    return project.set_status([path], EXCLUDED, shown_ids=_seen(path, image_id))


def include(project: Project, path: str) -> Changes:
    return project.set_status([path], None)
