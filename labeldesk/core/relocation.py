"""Pointing a project at a moved image folder, and refusing one that is not it.

``labeldesk scan P --images NEW`` says the image folder moved. A folder that holds none
of the project's images (a typo, another dataset) would have every image marked removed
and the other folder's files indexed in their place, their folder names becoming
classes. So a new folder is taken only when at least one image the project has indexed
(now or before: a folder pointed back after a mistake) is there, found as a scan would
find it: at its relative path, or by its bytes under another name (a scan follows a
moved file by content). Some found is enough: a folder that moved while files were
added or deleted is still a move, and the scan reports those as usual.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from .display import counted
from .errors import ImageRootError
from .imageio import hash_file
from .walk import walk_images

if TYPE_CHECKING:
    from .interfaces import IndexedFolder

QUICK_LOOKS = 200  # indexed paths looked up one by one before the folder is listed
MAX_HASHED = 1000  # files of a fitting size whose bytes are read, at most


class NotTheImageFolder(ImageRootError):
    """A new image folder holds none of the project's images (nothing was changed)."""

    def __init__(self, folder: Path, current: Path, images: int):
        self.folder, self.current, self.images = folder, current, images
        super().__init__(
            f"none of the project's {counted(images, 'image')} "
            f"{'is' if images == 1 else 'are'} in {folder} (looked for by path and by "
            f"content): is it the right folder? Nothing was changed; the project still "
            f"uses {current}."
        )


def check_moved_folder(project: IndexedFolder, folder: Path) -> None:
    """Raise :class:`NotTheImageFolder` when ``folder`` (resolved) is another folder than
    the project's and holds none of its indexed images; a project that has indexed
    nothing yet may go anywhere."""
    if _same_folder(folder, project.root):
        return
    with project.db.reading() as conn:
        rows = conn.execute(
            "SELECT path, size, hash, removed_at IS NULL AND skip_reason IS NULL FROM images"
        ).fetchall()
    if not rows:
        return
    if not _found(project, folder, rows):
        images = sum(1 for r in rows if r[3]) or len(rows)
        raise NotTheImageFolder(folder, project.root, images)


def _found(project: IndexedFolder, folder: Path, rows: list) -> bool:
    paths = [r[0] for r in rows]
    for rel in paths[:QUICK_LOOKS]:  # a real move answers at once
        if os.path.lexists(folder / rel):
            return True
    walked = walk_images(
        folder, exclude=project.scan_excludes(), follow_outside=project.follows_outside_links
    )
    if any(rel in walked.files or rel in walked.problems for rel in paths):
        return True
    by_size: dict[int, set[str]] = {}
    for _, size, digest, _ in rows:
        if digest and size is not None:
            by_size.setdefault(size, set()).add(digest)
    hashed = 0
    for rel, (size, *_) in walked.files.items():
        digests = by_size.get(size)
        if not digests:
            continue
        try:
            if hash_file(folder / rel) in digests:
                return True
        except OSError:
            pass
        hashed += 1
        if hashed >= MAX_HASHED:
            break
    return False


def _same_folder(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (b.exists() and os.path.samefile(a, b))
    except OSError:
        return False
