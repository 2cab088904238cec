"""Running a script of GUI facts in a child process on offscreen screens of a given size
and scale: a screen's geometry is fixed when Qt starts, so a test that needs another
screen than the session's starts a Qt of its own (tests/gui/test_small_screen_dialogs.py,
tests/gui/test_tiles_follow_the_screen.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

CHILD_TIMEOUT_S = 240


def facts_on_screens(
    script: Path, folder: Path, screens: list[dict[str, Any]], env: dict[str, str] | None = None
) -> dict[str, Any]:
    """What ``script`` prints as the last line of its output (one JSON document), run with
    ``folder / "work"`` as its argument on the offscreen ``screens`` (Qt's offscreen
    platform's config file), with ``env`` added (e.g. ``QT_SCREEN_SCALE_FACTORS``) and
    its home and settings in ``folder``. The child failing fails the test, with its
    error output."""
    config = folder / "screens.json"
    config.write_text(json.dumps({"screens": screens}))
    child_env = {
        **os.environ,
        "QT_QPA_PLATFORM": f"offscreen:configfile={config}",
        "HOME": str(folder),
        "XDG_CONFIG_HOME": str(folder / "config"),
        **(env or {}),
    }
    out = subprocess.run(
        [sys.executable, str(script), str(folder / "work")],
        capture_output=True,
        text=True,
        env=child_env,
        timeout=CHILD_TIMEOUT_S,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])
