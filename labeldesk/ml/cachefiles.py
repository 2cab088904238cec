"""Writing cache files so that readers never see half of one.

Two background jobs may compute the same cache at once (the browser's insights and the
review view both need predictions), so each writer gets its own temporary name; the
last rename wins and both results are identical. Temporary names start with a dot, so a
writer's clean-up of old versions (``knn-*.npz``) never deletes another writer's file.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path


def write_atomically(target: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` for a fresh temporary path beside ``target``, then rename it."""
    tmp = target.with_name(f".tmp-{os.getpid()}-{threading.get_ident()}-{target.name}")
    try:
        write(tmp)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)


def replace_versions(target: Path, pattern: str, write: Callable[[Path], None]) -> None:
    """Write ``target`` and delete the other files matching ``pattern`` (older versions)."""
    for old in target.parent.glob(pattern):
        if old != target:
            old.unlink(missing_ok=True)
    write_atomically(target, write)
