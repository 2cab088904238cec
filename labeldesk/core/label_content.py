"""Matching a label file's rows to images by content: a folder of class folders (or a
WebDataset shard) holds the image files themselves, so a row's file names its image by
its bytes, whatever the folders around it (which are the labels, not where the image
lives in the project).

A file is hashed only when its size is that of some image with a known content
(:func:`.image_rows.live_sizes`), so re-encoded copies and files of other datasets cost
a ``stat`` each. Hashes are kept on the :class:`~.label_files.LabelFile` with the file's
size and time, so a check before an import (the app's form) and the import itself read
each file once, and a file changed in between is read again. A reader that hashed the
bytes itself (a shard's member) gives the hash alone.
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

# file -> its hash as its reader gave it, or (size, mtime_ns, hash) as hashed here
Hashes = dict[str, str | tuple[int, int, str]]


def same_content(
    db: Database, files: list[str], hashes: Hashes
) -> tuple[list[list[str]], list[str | None]]:
    """Per file (``""``: none): the paths of the images in the folder now with its bytes
    (``[]`` when none), and why it could not be read (None when it could)."""
    sizes = live_sizes(db) if any(files) else set()
    digests: list[str | None] = []
    problems: list[str | None] = []
    for file in files:
        digest, problem = _digest(file, sizes, hashes) if file else (None, None)
        digests.append(digest)
        problems.append(problem)
    by_hash = live_paths_by_hash(db, {d for d in digests if d}) if any(digests) else {}
    return [by_hash.get(d, []) if d else [] for d in digests], problems


def _digest(file: str, sizes: set[int], hashes: Hashes) -> tuple[str | None, str | None]:
    cached = hashes.get(file)
    if isinstance(cached, str):
        return cached, None
    try:
        st = os.stat(file)
        if not stat.S_ISREG(st.st_mode) or st.st_size == 0 or st.st_size not in sizes:
            return None, None  # (a FIFO would hang; /proc files say size 0)
        if cached is not None and cached[:2] == (st.st_size, st.st_mtime_ns):
            return cached[2], None
        digest = hash_file(Path(file))
    except OSError as exc:
        return None, f"cannot read it: {exc.strerror or exc}"
    hashes[file] = (st.st_size, st.st_mtime_ns, digest)
    return digest, None
