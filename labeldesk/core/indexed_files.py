"""What the index records of a file without decoding it: its size and times, a hash of
its bytes, and where its thumbnail lives.

Kept apart from :mod:`labeldesk.core.imageio` (Pillow and numpy) so that opening a project
and the commands that only read or write its database (``label``, ``classes``,
``version … list``) start without loading an image library.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from .file_kinds import open_regular

MAX_FILE_BYTES = 512 * 1024 * 1024
HASH_BYTES = 16

# A file as indexed: (size, mtime_ns, ctime_ns); ctime None for one indexed before
# schema 13. A file that no longer matches may not hold the indexed bytes.
IndexedStat = tuple[int, int, int | None]


def racy_change_time(ctime_ns: int, since: float, now: float, span: float) -> bool:
    """Whether a change time read between ``since`` and ``now`` (seconds) may not move
    on a rewrite: whole seconds (a coarse clock) within ``span`` seconds of that time
    (the scanner's RACY_SECONDS)."""
    return ctime_ns % 1_000_000_000 == 0 and (since - span) * 1e9 <= ctime_ns <= (now + span) * 1e9


def stat_matches(st: os.stat_result, indexed: IndexedStat, *, times_only: bool = False) -> bool:
    """Whether ``st`` is the indexed size and times (``times_only``: size and mtime, the
    change time aside, as after a hard link of our own moved it)."""
    size, mtime, ctime = indexed
    if st.st_size != size or st.st_mtime_ns != mtime:
        return False
    return times_only or ctime is None or st.st_ctime_ns == ctime


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=HASH_BYTES).hexdigest()


def content_hasher() -> hashlib.blake2b:
    """The hash :func:`content_hash` gives, to feed piece by piece."""
    return hashlib.blake2b(digest_size=HASH_BYTES)


def hash_file(path: Path) -> str:
    h = content_hasher()
    with open_regular(path) as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def thumbnail_path(thumb_root: Path, digest: str) -> Path:
    return thumb_root / digest[:2] / f"{digest}.jpg"
