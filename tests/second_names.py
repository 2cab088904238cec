"""Give a folder a second name for one command: a bind mount in a private mount namespace
(``unshare --mount --map-root-user``), seen by that command only and gone when it exits.
It stands for a folder reached under two names (a second mount of a disk; a Mac's
case-insensitive disk, where ``Images`` is ``images``). Tests skip without it."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

import labeldesk

REPO = Path(labeldesk.__file__).resolve().parents[1]
UNSHARE = ["unshare", "--mount", "--map-root-user"]


def _namespaces_work() -> bool:
    if sys.platform != "linux" or shutil.which("unshare") is None:
        return False
    return subprocess.run([*UNSHARE, "true"], capture_output=True).returncode == 0


needs_second_names = pytest.mark.skipif(
    not _namespaces_work(), reason="needs Linux mount namespaces (unshare)"
)


def run_with_alias(
    alias: Path, real: Path, argv: Sequence[str]
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` (``python ARGS...``: argv[0] is sys.executable's arguments) while
    ``alias``, an empty folder, names the folder ``real``."""
    paths = [str(REPO), os.environ.get("PYTHONPATH", "")]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(paths))
    mount = f"mount --bind {shlex.quote(str(real))} {shlex.quote(str(alias))}"
    command = " ".join(map(shlex.quote, [sys.executable, *argv]))
    return subprocess.run(
        [*UNSHARE, "sh", "-c", f"{mount} && {command}"],
        capture_output=True,
        text=True,
        env=env,
    )
