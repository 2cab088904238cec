"""Shared pieces of the command line: command output and terminal progress."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labeldesk.core.progress import Progress

if TYPE_CHECKING:
    from labeldesk.core.project import Project


class Output:
    """What a command produced: JSON-able data plus its human-readable rendering."""

    def __init__(self, data: Any, text: str):
        self.data = data
        self.text = text


class TerminalProgress:
    """Renders core ``Progress`` reports as tqdm bars (rate and ETA) on stderr."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._message: str | None = None

    def __call__(self, progress: Progress) -> None:
        from tqdm import tqdm

        if progress.message != self._message or self._bar is None:
            self.close()
            self._message = progress.message
            self._bar = tqdm(
                total=progress.total or None,
                desc=progress.message,
                unit="img",
                file=sys.stderr,
                disable=None,
                leave=False,
                dynamic_ncols=True,
            )
        if progress.total and self._bar.total != progress.total:
            self._bar.total = progress.total
        self._bar.update(progress.done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> TerminalProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_existing(path: Path) -> Project:
    from labeldesk.core.project import open_project

    return open_project(path)
