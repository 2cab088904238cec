"""Shared pieces of the command line: command output (and, re-exported, the progress bar
the notebook API uses too)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labeldesk.core.progress_bar import TerminalProgress, postfix

__all__ = [
    "Output",
    "TerminalProgress",
    "non_negative_int",
    "open_existing",
    "positive_int",
    "postfix",
]

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


MAX_WHOLE = 2**63 - 1


def _whole_number(value: str, least: int) -> int:
    """A plain decimal whole number of at least ``least``, else argparse's usage error (exit 2)
    rather than a traceback or a silently empty result further down."""
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or int(text) < least:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of at least {least}")
    if int(text) > MAX_WHOLE:  # ids and counts go to SQLite, whose integers end here
        raise argparse.ArgumentTypeError(f"{value!r} is too large (at most {MAX_WHOLE})")
    return int(text)


def positive_int(value: str) -> int:
    """argparse type for counts that must be at least 1 (--batch-size, -k, -n, --workers)."""
    return _whole_number(value, 1)


def non_negative_int(value: str) -> int:
    """argparse type for values that may be 0 but not negative (--seed, history -n)."""
    return _whole_number(value, 0)
