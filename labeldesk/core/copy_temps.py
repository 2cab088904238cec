"""Copy temporaries a killed process left in the image folder.

A file copied into the image folder (drift's *Add to project*, :mod:`.add_images`) is
written under a hidden name (``.labeldesk-copy-<pid>-<hex>.tmp``) and linked or renamed
to its own name only when complete. A process killed meanwhile leaves the temporary: the
next copy into that folder and every scan (which lists it while walking) remove it, and
only it: that name, a regular file, untouched for a minute, of a process that is gone.
"""

from __future__ import annotations

import os
import re
import secrets
import stat
import time
from pathlib import Path

from .staging import COPY_PREFIX, process_alive

TEMP_NAME = re.compile(rf"^{re.escape(COPY_PREFIX)}(\d{{1,7}})-[0-9a-f]{{8}}\.tmp$")
MIN_AGE_S = 60.0  # a process this machine cannot see may still be writing it


def temp_name() -> str:
    """A new copy temporary's name (:data:`TEMP_NAME`): short, so that any image's name
    fits beside it, and naming this process."""
    return f"{COPY_PREFIX}{os.getpid()}-{secrets.token_hex(4)}.tmp"


def sweep_copies(folder: Path) -> int:
    """Remove the copy temporaries (:data:`TEMP_NAME`) that killed processes left under
    ``folder``; how many (see :func:`sweep_copy`)."""
    removed = 0
    for root, _dirs, files in os.walk(folder):
        removed += sum(sweep_copy(os.path.join(root, n)) for n in files if TEMP_NAME.match(n))
    return removed


def sweep_copy(path: str) -> bool:
    """Remove one copy temporary a killed process left: only that name, a regular file,
    untouched for :data:`MIN_AGE_S` (a copy under way writes to it), of a process that is
    gone, or of this process's own id (a container restarted: an id comes back). Never
    an error (tidying); whether it was removed."""
    match = TEMP_NAME.match(os.path.basename(path))
    if match is None:
        return False
    pid = int(match.group(1))
    try:
        st = os.lstat(path)
        # ctime too: the copy's time is set to the original's (old) before it is linked
        touched = max(st.st_mtime, st.st_ctime)
        if not stat.S_ISREG(st.st_mode) or time.time() - touched < MIN_AGE_S:
            return False
        if pid != os.getpid() and process_alive(pid):
            return False
        os.unlink(path)
    except OSError:
        return False
    return True
