"""The ``gui`` command: open the desktop app."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path


def add_parsers(add: Callable[..., argparse.ArgumentParser]) -> None:
    p = add("gui", "open the desktop app", json_output=False)
    p.add_argument("project", type=Path, nargs="?", help="project folder to open")
    p.set_defaults(handler=cmd_gui)


def cmd_gui(args: argparse.Namespace) -> int:
    from labeldesk.gui.threads import reserve_a_core

    reserve_a_core()  # before NumPy and friends load, so they read the thread caps
    from labeldesk.gui.app import run

    return run(args.project)
