"""Where images are now, by id: a rescan may have moved or removed them.

A scan keeps an image's id when its file moves (:mod:`labeldesk.core.scanner`), so an id
found once follows the image to its new path, and an id with no current row means the
file is gone. Unlike :meth:`Project.ids_for`, nothing here raises for a missing image:
the review pass (:mod:`labeldesk.browse.review_session`) uses this to drop them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

from .sql_lists import IN_LIST, json_list

if TYPE_CHECKING:
    from .project import Project


class Present(NamedTuple):
    path: str
    label: str | None
    content: str | None = None  # the content hash (None: not a usable image)


def ids_of(project: Project, paths: Iterable[str]) -> dict[str, int]:
    """Ids of the paths that are images of the project now (the others left out)."""
    rows = project.db.query(
        f"SELECT path, id FROM images WHERE removed_at IS NULL AND path {IN_LIST}",
        (json_list(dict.fromkeys(paths)),),
    )
    return {str(row[0]): int(row[1]) for row in rows}


def changed_after(project: Project, paths: Iterable[str], ctime_ns: int) -> set[str]:
    """Those of ``paths`` whose file the project indexed with a status-change time after
    ``ctime_ns`` (a file indexed without one tells nothing: left out)."""
    rows = project.db.query(
        f"SELECT path FROM images WHERE ctime_ns > ? AND path {IN_LIST}",
        (ctime_ns, json_list(dict.fromkeys(paths))),
    )
    return {str(row[0]) for row in rows}


def present(project: Project, image_ids: Iterable[int]) -> dict[int, Present]:
    """Path, label and content now of each image still in the folder (removed ones left
    out)."""
    rows = project.db.query(
        f"SELECT id, path, label, hash FROM images WHERE removed_at IS NULL AND id {IN_LIST}",
        (json_list(dict.fromkeys(image_ids)),),
    )
    return {int(row[0]): Present(str(row[1]), row[2], row[3]) for row in rows}
