"""Thumbnail temporaries a killed process left behind.

A thumbnail is written as ``<hash>.jpg.<pid>.tmp`` and renamed into place, so a reader
never sees half a file; a scan worker killed between the two (a closed laptop, the OOM
killer, Ctrl-C twice) leaves its temporary in ``thumbs/`` for good. :func:`sweep` removes
those, and only those: the name must be one LabelDesk gives, in a folder of ``thumbs/``,
and the process it names must be gone (a live process may be writing it now).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from .staging import process_alive

TEMP_NAME = re.compile(r"^[0-9a-f]{8,}\.jpg\.(\d{1,10})\.tmp$")


def sweep(thumbs_dir: Path) -> int:
    """Remove the temporaries of dead processes under ``thumbs_dir``; how many."""
    removed = 0
    try:
        folders = os.scandir(thumbs_dir)
    except (FileNotFoundError, NotADirectoryError):
        return 0
    with folders:
        for folder in folders:
            if len(folder.name) == 2 and folder.is_dir(follow_symlinks=False):
                removed += _sweep_folder(folder.path)
    return removed


def _sweep_folder(folder: str) -> int:
    removed = 0
    with os.scandir(folder) as entries:
        for entry in entries:
            if not entry.name.endswith(".tmp"):
                continue
            match = TEMP_NAME.match(entry.name)
            if match is None or not entry.is_file(follow_symlinks=False):
                continue
            pid = int(match.group(1))
            if pid == os.getpid() or process_alive(pid):
                continue
            try:
                os.unlink(entry.path)
            except FileNotFoundError:  # another sweep got there first
                continue
            removed += 1
    return removed
