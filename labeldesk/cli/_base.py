"""Shared pieces of the command line: command output (and, re-exported, the progress bar
the notebook API uses too)."""

from __future__ import annotations

import argparse
import math
import re
import shlex
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labeldesk.core.failures import with_project
from labeldesk.core.progress_bar import TerminalProgress, postfix

__all__ = [
    "DEVICES",
    "IMAGE_PATH_HELP",
    "OptionsError",
    "Output",
    "TerminalProgress",
    "add_device",
    "non_negative_int",
    "open_existing",
    "path_arg",
    "positive_int",
    "postfix",
    "print_note",
    "share",
    "similarity",
    "undo_hint",
    "with_project_as_typed",
]

if TYPE_CHECKING:
    from labeldesk.core.project import Project


class Output:
    """What a command produced: JSON-able data plus its human-readable rendering; or,
    for a document too big to hold (``data`` None), ``document``: the ``--json`` text in
    pieces (:func:`~labeldesk.cli.json_document.document_text`), read as it is written."""

    def __init__(
        self,
        data: Any,
        text: str,
        code: int = 0,
        *,
        document: Iterable[str] | None = None,
    ):
        self.data = data
        self.text = text
        self.code = code  # the exit status: a check that found differences says 1
        self.document = document


class OptionsError(Exception):
    """Options that do not go together, or an argument left out that argparse cannot tell
    is missing (``label P PATH`` without LABEL): a usage error, as argparse's own are
    (exit 2, kind "UsageError"), refused before anything is done."""


def with_project_as_typed(message: str, project: object) -> str:
    """``message`` with the word PROJECT in a command it suggests (from below the CLI,
    which does not know the path typed), or the project's full path there, replaced by
    the project's path as typed (``project``: the command's PROJECT argument, or None),
    so the command can be copied as it is (the app names its own menus, or the project's
    folder)."""
    if not isinstance(project, str | Path) or "`labeldesk " not in message:
        return message
    typed = shlex.quote(str(project))
    # a command written with the project's full path (unquoted: a space split it)
    full = re.compile(
        r"(`labeldesk (?!new )[a-z-]+ )" + re.escape(str(Path(project).resolve())) + "(?=[` ])"
    )
    message = full.sub(lambda m: m.group(1) + typed, message)
    return with_project(message, typed)


def undo_hint(project: object, batch: int | None) -> str:
    """ " (undo with `labeldesk undo P`)", P as typed, after what a command changed as
    one batch (none: ""): `classes`, `import`, `label` and `review` all say it."""
    return f" (undo with `labeldesk undo {shlex.quote(str(project))}`)" if batch else ""


def print_note(text: str, project: object) -> None:
    """A ``note:`` line on stderr (``project``: the PROJECT argument as typed); a command
    it suggests names the project as typed, quoted where a shell needs it, as errors do."""
    print(f"note: {with_project_as_typed(text, project)}", file=sys.stderr)


def open_existing(path: Path) -> Project:
    from labeldesk.core.db_settings import BUSY_TIMEOUT_MS
    from labeldesk.core.project import open_project

    project = open_project(path)

    def waiting() -> None:  # (stderr: with --json, stdout holds only the document)
        print(
            "waiting for the project database: another program is writing to it (a "
            "labeldesk command, the app, a sqlite3 shell); this goes on when it is done, "
            f"or gives up after {BUSY_TIMEOUT_MS // 1000} s",
            file=sys.stderr,
            flush=True,
        )

    project.db.on_wait = waiting
    return project


MAX_WHOLE = 2**63 - 1
PROJECT_HELP = "the project folder (made by `labeldesk new`)"
# (`image_path` reads all three; the help said only the first)
IMAGE_PATH_HELP = (
    "the image: its path relative to the image folder (train/cat/001.jpg), or the file's "
    "path from the current folder or its full path"
)
DEVICE_HELP = "where the model runs: auto (default) a GPU when there is one, else the CPU"
# --device's names: labeldesk.ml.device.DEVICES (not imported here: it loads numpy)
DEVICES = ("auto", "cpu", "cuda", "mps")


def add_device(parser: argparse.ArgumentParser, help_text: str) -> None:
    """The ``--device`` option of a command that runs a model."""
    parser.add_argument("--device", default="auto", choices=DEVICES, help=help_text)


def image_path(project: Project, text: str, *, current: bool = True) -> str:
    """An image named on the command line, as the project stores it (relative to its
    image folder). A relative path that exists from the current folder (typed with tab
    completion) is that file; one that names no image now says where paths start
    (``current``: it must be an image the folder holds now). A relative path that names
    one image from the image folder and another from the current folder (run from a
    folder inside the image folder) is refused: either could be meant."""
    import os

    from labeldesk.core.errors import BadArgument, UnknownPathError
    from labeldesk.core.label_files import normalise_path

    if not os.path.isabs(text) and os.path.exists(text):
        full = os.path.abspath(text)
        root = os.path.abspath(project.root)
        if os.path.commonpath([full, root]) == root:
            here, typed = normalise_path(project, full), normalise_path(project, text)
            if typed != here and _known(project, typed):
                raise BadArgument(
                    f"{text!r} names two images: {typed} in the image folder {root} and "
                    f"{here} from the current folder; give the full path of the one meant"
                )
            text = full
    path = normalise_path(project, text)
    if not current:  # (history: an image removed from the folder has one too)
        return path
    try:
        project.ids_for([path])
    except UnknownPathError:
        if project.was_removed(path):  # the path was right: "not in the project" misled
            raise UnknownPathError([path], text=_removed_text(project, path)) from None
        if os.path.isabs(path):  # a full path was given ("or give the full path" misled)
            raise UnknownPathError(
                [path], f"it is outside the project's image folder {project.root}"
            ) from None
        raise UnknownPathError(
            [path],
            f"paths are relative to its image folder {project.root} (or give the file's full path)",
        ) from None
    return path


def _removed_text(project: Project, path: str) -> str:
    """Why an image named by its right path is not there: a scan found its file gone."""
    quoted = shlex.quote(path)
    return (
        f"{path} was removed from the project: a scan found its file gone from the image "
        f"folder {project.root} (put it back and run `labeldesk scan {project.path}` to bring "
        f"it back, labels and all; `labeldesk history {project.path} {quoted}` lists what "
        "was done to it)"
    )


def _known(project: Project, path: str) -> bool:
    """Whether ``path`` names an image of the project."""
    from labeldesk.core.errors import UnknownPathError

    try:
        project.ids_for([path])
    except UnknownPathError:
        return False
    return True


def _whole_number(value: str, least: int) -> int:
    """A plain decimal whole number of at least ``least``, else argparse's usage error (exit 2)
    rather than a traceback or a silently empty result further down."""
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or int(text) < least:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of at least {least}")
    if int(text) > MAX_WHOLE:  # ids and counts go to SQLite, whose integers end here
        raise argparse.ArgumentTypeError(f"{value!r} is too large (at most {MAX_WHOLE})")
    return int(text)


def path_arg(value: str) -> Path:
    """argparse type for paths: an empty one (an unset shell variable) is refused, not
    read as the current folder."""
    if not value.strip():
        raise argparse.ArgumentTypeError("an empty path (is a shell variable unset?)")
    return Path(value)


def similarity(value: str) -> float:
    """argparse type for a cosine similarity threshold: a number from -1 to 1."""
    return _number_in(value, -1.0, 1.0)


def share(value: str) -> float:
    """argparse type for a share that may be 0 or more (--gpus-per-worker)."""
    number = _number(value)
    if not (math.isfinite(number) and number >= 0):
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of at least 0")
    return number


def _number(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return math.nan


def _number_in(value: str, low: float, high: float) -> float:
    number = _number(value)
    if not (math.isfinite(number) and low <= number <= high):  # NaN fails every comparison
        raise argparse.ArgumentTypeError(f"{value!r} is not a number from {low:g} to {high:g}")
    return number


def positive_int(value: str) -> int:
    """argparse type for counts that must be at least 1 (--batch-size, -k, -n, --workers)."""
    return _whole_number(value, 1)


def non_negative_int(value: str) -> int:
    """argparse type for values that may be 0 but not negative (--seed, history -n)."""
    return _whole_number(value, 0)
