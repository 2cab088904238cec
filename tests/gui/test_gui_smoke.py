"""``labeldesk gui --smoke``: the check an installation runs (installer/test_install.sh,
check_bundle.sh) starts the real app in a fresh process, shows the window and quits."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_smoke_start_shows_the_window_and_exits(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    out = subprocess.run(
        [sys.executable, "-m", "labeldesk", "gui", "--smoke"],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    line = out.stdout.strip().splitlines()[-1]
    assert line.startswith("gui ok: platform offscreen, window 'LabelDesk', ")
    assert line.endswith("visible True")
    # It ran as the app does: its settings went to this HOME's config folder.
    assert (tmp_path / "config" / "LabelDesk").is_dir()
