"""Messages from below the app in the app's own words.

LabelDesk's errors are written once, for the command line and the app alike, and some
end with the command that fixes the problem (`labeldesk models PROJECT` lists them). In
the app that sends a person to a terminal, with a placeholder for a path they never
typed. :func:`in_app_words` puts each command the app has a menu or a page for as that
menu or page, and names the project's folder in any other (the command line puts the
path as it was typed: :func:`labeldesk.cli._base.with_project_as_typed`). Every message
the app shows passes through it: a job's failure (``Job.describe``), a refused write,
and the window's status bar and notices.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from pathlib import Path

from labeldesk.core.failures import with_project

# How the app names a missing label, everywhere a person reads one (a tile, the details,
# a history line, the review's caption and strip); the command line writes [unlabeled].
NO_LABEL = "unlabeled"

# How the app names the images the model flags (the browser's Images list, the export
# option that leaves them out); the command line says "flagged".
FLAGGED = "Likely mislabeled"

# The tooltip of a button a read-only project cannot use (its folder cannot be written)
READ_ONLY_TIP = "The project is read-only: copy its folder somewhere writable to change it"


# The import form's options, as a command-line message names them (their flags)
PREDICTIONS_BOX = "Use the model's predictions, not the annotations"
EMPTY_LABELS_BOX = "Apply the empty labels"  # (its box says what that does)


def _field(match: re.Match[str]) -> str:
    """``--path-column NAME: read the column`` as the import form's field names it."""
    return f"{match.group(1).capitalize()} column “{match.group(2)}”: read the column"


def _unquoted(text: str) -> str:
    """A path as a shell command quotes it, as the person reads it."""
    try:
        words = shlex.split(text)
    except ValueError:
        return text
    return words[0] if len(words) == 1 else text


def _new_project(match: re.Match[str]) -> str:
    return f"use File → New project… with {_unquoted(match.group(1))} as its image folder"


# What a command-line message tells a person to run, as the app's own way to do it
# (only the plain command: an embedding with a model to name, or "here" rather than on a
# cluster, asks what the menu cannot do; nor can the app point a project at a moved
# image folder: `scan PROJECT --images NEW_FOLDER` names the project's folder)
_IN_APP: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (
        re.compile(r"run `labeldesk embed (?![^`]*--model)[^`]*`(?! here)"),
        "use Tools → Compute embeddings (Ctrl+E)",
    ),
    (  # with the project (PROJECT or its path) but not a moved folder's --images
        re.compile(r"run `labeldesk scan(?: (?:'[^']*'|[^\s`']+))?`"),
        "use File → Rescan folder",
    ),
    (  # with or without the project and the names to add (core.vocab: not a class)
        re.compile(r"\(`(labeldesk )?classes ([^`]* )?--add( [^`]*)?`\)"),
        "(Classes → Add class…)",
    ),
    (re.compile(r"`labeldesk models PROJECT` lists them"), "View → Training lists them"),
    (
        re.compile(r"`labeldesk version PROJECT list` lists them"),
        "View → Dataset versions lists them",
    ),
    (
        re.compile(r"`labeldesk train PROJECT --mode head`"),
        "View → Training, mode “Classifier head”, Start training",
    ),
    (
        re.compile(r"run `labeldesk new PROJECT --images ([^`]+)` \(or New project… in the app\)"),
        _new_project,
    ),
    (re.compile(r"`new` refuses "), "New project… warns about "),
    (re.compile(r"\(the one `labeldesk new` made\)"), "(the one File → New project… made)"),
    (re.compile(r"\(or labeldesk export\)"), "(or File → Export dataset…)"),
    (  # an export refused for class names the disk cannot hold (export_portable)
        re.compile(r"for this export with --class-map ('[^']*'|\S+) \(beside"),
        lambda m: f"for this export in Class map ({_unquoted(m.group(1))}, beside",
    ),
    (
        re.compile(r"in the project \(labeldesk classes .+? --rename .+?\); or export"),
        "in the project (Classes → Rename class…); or export",
    ),
    (  # a full disk (core.failures): there is no command to run again in the app
        re.compile(r"(free some space(?: there)?) and run the command again"),
        r"\1 and try again",
    ),
    # a file refused (then…), embeddings rebuilt while read: no command to run either
    (re.compile(r"run the command again"), "try again"),
    # the import form's fields and boxes for the options of `labeldesk import`
    (re.compile(r"--(\w+)-column (.+?): read the column"), _field),
    (
        re.compile(r"name (?:it|the label column) with --(\w+)-column(?: COL)?"),
        lambda m: f"type its name in {m.group(1).capitalize()} column",
    ),
    (re.compile(r"give --empty-labels"), f"tick “{EMPTY_LABELS_BOX}”"),
    (re.compile(r"read them with --predictions"), f"tick “{PREDICTIONS_BOX}” to read them"),
    (
        re.compile(r"\(read the annotations without --predictions\)"),
        f"(untick “{PREDICTIONS_BOX}” to read the annotations)",
    ),
    (  # --symlink onto a disk without links (interop.placing.no_symlinks)
        re.compile(r"export without --symlink to copy"),
        "choose “Copy files” instead of “Symbolic links” to copy",
    ),
)


def in_app_words(message: str, project: Path | None = None) -> str:
    """``message`` with the commands it names put as the app's menus and pages (a person
    in the app was told to run `labeldesk embed /path` first, or to pin a head with
    `labeldesk train PROJECT --mode head`); a command the app has no menu for keeps
    the command line's words, with the folder of ``project`` (the open project) for the
    placeholder PROJECT."""
    for pattern, words in _IN_APP:
        message = pattern.sub(words, message)
    if project is not None:
        message = with_project(message, shlex.quote(str(project)))
    return message
