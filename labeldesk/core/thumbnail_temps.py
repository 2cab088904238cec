"""Thumbnail temporaries a killed process left behind.

A thumbnail is written as ``<hash>.jpg.<pid>.<thread id>.tmp`` and renamed into place,
so a reader never sees half a file; a scan worker killed between the two (a closed
laptop, the OOM killer, Ctrl-C twice) leaves its temporary in ``thumbs/`` for good.
:func:`sweep` removes those, and only those: the name must be one LabelDesk gives, in a
folder of ``thumbs/``, not a link, untouched for ``MIN_AGE_S`` (a process this machine
cannot see, in a container or on another machine sharing the folder, may be writing it),
and the process it names must be gone. Anything it cannot read or remove is left, never
an error: the sweep is tidying, and a scan must not fail over it.
"""

from __future__ import annotations

import logging
import os
import re
import time
from pathlib import Path

from .staging import process_alive

log = logging.getLogger(__name__)

# <hash>.jpg.<pid>[.<thread id>].tmp; Linux pids and thread ids: 7 digits
TEMP_NAME = re.compile(r"^[0-9a-f]{8,}\.jpg\.(\d{1,7})(?:\.\d{1,10})?\.tmp$")
MIN_AGE_S = 60.0


def sweep(thumbs_dir: Path) -> int:
    """Remove the temporaries of dead processes under ``thumbs_dir``; how many."""
    removed = 0
    try:
        with os.scandir(thumbs_dir) as folders:
            for folder in folders:
                if len(folder.name) == 2 and folder.is_dir(follow_symlinks=False):
                    removed += _sweep_folder(folder.path)
    except OSError as exc:  # missing (no thumbnails yet), unreadable: nothing to tidy
        if not isinstance(exc, FileNotFoundError | NotADirectoryError):
            log.info("thumbnail temporaries not swept: %s", exc)
    return removed


def _sweep_folder(folder: str) -> int:
    removed = 0
    old = time.time() - MIN_AGE_S
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if not entry.name.endswith(".tmp"):
                    continue
                match = TEMP_NAME.match(entry.name)
                if match is None or not _stale(entry, old, int(match.group(1))):
                    continue
                try:
                    os.unlink(entry.path)
                except OSError:  # gone already, or not ours to remove: left as it is
                    continue
                removed += 1
    except OSError as exc:
        log.info("thumbnail temporaries in %s not swept: %s", folder, exc)
    return removed


def _stale(entry: os.DirEntry[str], old: float, pid: int) -> bool:
    """A plain file, untouched since ``old``, of a process that is not running."""
    try:
        if not entry.is_file(follow_symlinks=False) or entry.stat().st_mtime > old:
            return False
    except OSError:
        return False
    return pid != os.getpid() and not process_alive(pid)
