"""Folders of one test run (exported runtime graphs, ``labeldesk gui``'s logs), removed
when the run ends, however it ends.

tests/conftest.py made them with ``tempfile.mkdtemp`` and removed them at exit, which a
run does not reach when it is killed (``timeout``'s SIGTERM, a SIGKILL, the exit
guard's ``os._exit`` for a process that would not exit, its faulthandler backstop):
/tmp filled with ``labeldesk-runtime-*`` folders of 26-65 MB each. (pytest-xdist's
workers inherit the controller's environment, so they use its folders and make none.)

So a folder's name carries the id of the process that made it; the exit guard removes
it before it forces the exit, and each run first removes the folders of runs whose
process is gone.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
from functools import partial
from pathlib import Path

import exit_guard


def make(prefix: str) -> str:
    """A new folder ``<prefix><pid>-<random>`` in the temporary folder, removed at this
    process's exit (the exit guard's forced one too); the leftovers of dead runs with
    the same prefix removed first."""
    sweep(prefix)
    folder = tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-")
    remove = partial(shutil.rmtree, folder, ignore_errors=True)
    atexit.register(remove)
    exit_guard.at_forced_exit(remove)
    return folder


def sweep(prefix: str, where: Path | None = None) -> list[Path]:
    """Remove the folders ``<prefix><pid>-*`` in ``where`` (the temporary folder) whose
    process no longer runs; the folders removed."""
    mark = re.compile(re.escape(prefix) + r"(\d+)-[^/]+")
    removed = []
    for folder in (where or Path(tempfile.gettempdir())).glob(f"{prefix}*"):
        found = mark.fullmatch(folder.name)
        if found and folder.is_dir() and not folder.is_symlink() and not alive(int(found[1])):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def alive(pid: int) -> bool:
    """Whether a process with id ``pid`` runs (another user's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
