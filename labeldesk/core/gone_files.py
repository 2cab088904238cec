"""Which of a few indexed images have no file in the image folder now.

Listings drawn from stored data (embeddings: ``similar``, the app's neighbour tiles) can
show an image whose file was deleted, moved or renamed since the last scan; the scan
that finds it gone takes it out of the project. Only the images asked about are looked
at, one stat each, never the whole project; an image folder that is not there at all
(a drive not connected) has every file gone, and costs one stat.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .project import Project

# What a tile's badge, a tooltip and a table's column say about such an image.
FILE_MISSING = "file missing"
FILE_MISSING_TIP = (
    "The file is no longer in the image folder (deleted, moved or renamed since the last "
    "scan): shown from what the scan stored. A scan brings the project up to date."
)


def files_gone(project: Project, paths: Sequence[str]) -> list[bool]:
    """For each of ``paths`` (relative to the image folder), whether no file is there."""
    if not paths:
        return []
    if not os.path.isdir(project.root):
        return [True] * len(paths)
    return [not os.path.exists(project.image_path(p)) for p in paths]
