"""Matching a label file's rows to images by content: a folder of class folders holds
the image files themselves, so a row's file names its image by its bytes, whatever the
folders around it (which are the labels, not where the image lives in the project).

A file is hashed only when its size is some image's (:func:`.image_rows.live_sizes`), so
re-encoded copies and files of other datasets cost a ``stat`` each; hashes are kept on
the :class:`~.label_files.LabelFile`, so a check before an import (the app's form) and
the import itself read each file once.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from .image_rows import live_paths_by_hash, live_sizes
from .imageio import hash_file

if TYPE_CHECKING:
    from .db import Database


def same_content(db: Database, files: list[str], hashes: dict[str, str]) -> list[list[str]]:
    """Per file (``""``: none), the paths of the images in the folder now with its bytes
    (``[]`` when none, or the file cannot be read). ``hashes``: file -> content hash,
    filled in as files are hashed."""
    sizes = live_sizes(db) if any(files) else set()
    digests: list[str | None] = []
    for file in files:
        digests.append(_digest(file, sizes, hashes) if file else None)
    by_hash = live_paths_by_hash(db, {d for d in digests if d})
    return [by_hash.get(d, []) if d else [] for d in digests]


def _digest(file: str, sizes: set[int], hashes: dict[str, str]) -> str | None:
    if file in hashes:
        return hashes[file]
    try:
        st = os.stat(file)
        if st.st_size not in sizes or not stat.S_ISREG(st.st_mode):  # (a FIFO would hang)
            return None
        hashes[file] = hash_file(Path(file))
    except OSError:
        return None
    return hashes[file]
