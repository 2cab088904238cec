"""The pixels the app shows for an image id: its cached thumbnail, checked whole, and
the bytes of its original as the scan indexed them.

Views cache what they show by image id. Looking the picture up by a path instead (the
path a view held when it asked) gave an id another image's picture whenever a scan had
followed moved or swapped files in between, and the cache kept it under that id after the
view caught up: a key then labeled one picture while the tile showed another.

A thumbnail is written whole and renamed into place, but a crash soon after (the rename
reached the disk, its data did not), a disk fault or a copy of the project can still
leave one cut short or empty. Qt shows a cut JPEG with a grey lower part and an empty
one as nothing, and a scan never looks at the thumbnail of a file it finds unchanged,
so such a file is checked where it is shown and made again from the original.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import ProjectError
from .file_kinds import open_regular
from .indexed_files import MAX_FILE_BYTES, content_hash, thumbnail_path

JPEG_START, JPEG_END = b"\xff\xd8", b"\xff\xd9"


def whole_jpeg(path: Path) -> bool:
    """Whether ``path`` has a JPEG's first and last markers (one cut short, empty or
    zero-filled lacks them); False when it cannot be read (missing too)."""
    try:
        with open(path, "rb") as f:
            head = f.read(2)
            f.seek(-2, os.SEEK_END)  # fails on a file shorter than 2 bytes
            tail = f.read(2)
    except OSError:
        return False
    return head == JPEG_START and tail == JPEG_END


def cached_thumbnail(
    root: Path, thumbs_dir: Path, rel: str, digest: str, *, remake: bool = False
) -> Path:
    """The thumbnail of the content ``digest`` (the image at ``rel`` when scanned), made
    again from the original when missing, not whole, or ``remake`` (it did not decode).
    ProjectError when the original no longer holds that content."""
    target = thumbnail_path(thumbs_dir, digest)
    if not remake and whole_jpeg(target):
        return target
    from .imageio import probe_file  # (Pillow: only when a thumbnail is made)

    target.unlink(missing_ok=True)  # ours, and broken: probe_file writes it anew
    result = probe_file(str(root / rel), str(thumbs_dir))
    if result.skip_reason or result.hash != digest:
        raise ProjectError(f"{rel} changed or broke since the last scan; rescan the folder")
    if result.warning:
        raise ProjectError(f"{rel}: {result.warning}")
    return target


def indexed_bytes(path: Path, rel: str, digest: str) -> bytes:
    """The file's bytes when they are still the content the scan indexed (``digest``);
    ProjectError when the file was edited or replaced since (its picture may be another
    image's now), or cannot be read."""
    try:
        with open_regular(path) as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ProjectError(f"{rel} cannot be read: {exc.strerror or exc}") from exc
    if len(data) > MAX_FILE_BYTES or content_hash(data) != digest:
        raise ProjectError(f"{rel} changed since the last scan; rescan the folder")
    return data
