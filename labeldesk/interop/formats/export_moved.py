"""Files of a class-folder export moved to another class folder.

The ImageFolder and Hugging Face exports write ``<split>/<class>/<file>``, and moving a
file to another class folder (in a file manager, or with ``mv``) is how a person
relabels it there. Read back, a file's bytes find its image
(:mod:`labeldesk.core.label_content`), except where they cannot: exact copies in the
project, which the path the manifest records for the file told apart (the moved file is
no longer at that path), and a GIF the ImageFolder export wrote as a PNG (bytes of no
image). So a file at no path the export wrote is taken for the file the export wrote
under the same name whose bytes it holds (the manifest's SHA-256): of several, the one in
its own split folder, else the one no longer at its place; none when that leaves
several. Only files whose size is one the manifest records for that name are hashed.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import stat
from collections import defaultdict
from typing import Any

_CHUNK = 1 << 20


def moved_files(
    manifest: dict[str, Any], within: str, export_folder: str, rows: list[tuple[str, str]]
) -> dict[str, str]:
    """Row path -> the path (in the export, as the manifest lists it) of the file the
    export wrote that the row's file is, for files at no path the export wrote.
    ``rows``: (the row's path, relative to the folder read; its file on disk);
    ``within``: that folder's place in the export (``"train/"`` for one split's)."""
    written = _written(manifest)
    by_name: dict[str, list[str]] = defaultdict(list)
    for path in written:
        by_name[posixpath.basename(path)].append(path)
    found: dict[str, str] = {}
    for rel, file in rows:
        full = within + rel
        if full in written or not file:
            continue
        try:
            st = os.stat(file)
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode):  # (a FIFO is never opened)
            continue
        size = st.st_size
        same_size = [p for p in by_name.get(posixpath.basename(full), []) if written[p][0] == size]
        if not same_size:
            continue
        digest = _sha256(file)
        same = [p for p in same_size if written[p][1] == digest]
        if len(same) > 1:  # the one in its own split folder, else the one moved away
            split = full.split("/", 1)[0] + "/"
            same = [p for p in same if p.startswith(split)] or same
        if len(same) > 1:
            same = [p for p in same if not os.path.lexists(os.path.join(export_folder, p))]
        if len(same) == 1:
            found[rel] = same[0]
    return found


def _written(manifest: dict[str, Any]) -> dict[str, tuple[int, str]]:
    listed = manifest.get("files")
    found: dict[str, tuple[int, str]] = {}
    for entry in listed if isinstance(listed, list) else []:
        if not isinstance(entry, dict):
            continue
        path, size, digest = entry.get("path"), entry.get("size"), entry.get("sha256")
        if isinstance(path, str) and isinstance(size, int) and isinstance(digest, str):
            found[path] = (size, digest)
    return found


def _sha256(file: str) -> str | None:
    digest = hashlib.sha256()
    try:
        with open(file, "rb") as f:
            while chunk := f.read(_CHUNK):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()
