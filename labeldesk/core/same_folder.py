"""Is a path inside a folder, when either may be reached under more than one name?

Comparing resolved paths misses the same folder under another name: a second mount of
the same disk (a bind mount), or a case-insensitive disk (a Mac's), where ``Images/out``
lies inside the folder ``images``. A folder is the same folder when its device and inode
are, so the checks that keep writes out of the image folder and the project compare
those too.
"""

from __future__ import annotations

import os
from pathlib import Path


def within(path: Path, folder: Path) -> bool:
    """Is ``path`` ``folder`` or inside it (both resolved)? By name, then by identity:
    ``path`` or a folder above it that exists is ``folder``."""
    if path == folder or folder in path.parents:
        return True
    try:
        wanted = os.stat(folder)
    except OSError:
        return False
    for part in (path, *path.parents):
        try:
            found = os.stat(part)
        except OSError:
            continue  # not made yet: a folder above it that exists is compared
        if (found.st_dev, found.st_ino) == (wanted.st_dev, wanted.st_ino):
            return True
    return False
