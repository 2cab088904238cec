"""Shared pieces of the command line: command output (and, re-exported, the progress bar
the notebook API uses too)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from labeldesk.core.progress_bar import TerminalProgress, postfix

__all__ = ["Output", "TerminalProgress", "open_existing", "postfix"]

if TYPE_CHECKING:
    from labeldesk.core.project import Project


class Output:
    """What a command produced: JSON-able data plus its human-readable rendering."""

    def __init__(self, data: Any, text: str):
        self.data = data
        self.text = text


def open_existing(path: Path) -> Project:
    from labeldesk.core.project import open_project

    return open_project(path)
