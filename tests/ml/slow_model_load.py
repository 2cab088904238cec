"""Imported first in a test's child process (``preload``): every model load there takes
far longer than a test waits, as loading one takes seconds on a busy machine. The test
names a file (``LABELDESK_TEST_LOADING``, inherited by the spawned child) where the child
writes its process id as the load begins."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from labeldesk.ml import backbones

_LOADING = os.environ.get("LABELDESK_TEST_LOADING")


def _slow_load(spec: str) -> Any:
    assert _LOADING
    Path(_LOADING).write_text(str(os.getpid()))
    time.sleep(300)
    raise AssertionError("the load was never cut short")


if _LOADING:
    backbones._load_spec = _slow_load
