"""A job whose module takes long to import, as a child importing torch does on a busy
machine: a child running it is still starting when a test cancels it. The test names
a file (``LABELDESK_TEST_STARTING``, inherited by the spawned child) where the child
writes its process id as its import begins."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from labeldesk.core.progress import CancelToken, ProgressCallback

_STARTING = os.environ.get("LABELDESK_TEST_STARTING")
if _STARTING:
    Path(_STARTING).write_text(str(os.getpid()))
    time.sleep(300)  # far longer than a test waits


def job(project: Any, *, progress: ProgressCallback, cancel: CancelToken) -> str:
    """Ran (only reached once the slow import has finished)."""
    return "ran"
