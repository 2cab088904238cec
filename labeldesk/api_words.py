"""Errors raised through the notebook API, in the API's own words.

LabelDesk's errors are written once, for the command line, the app and the API, and
some end with the command that fixes the problem (``run `labeldesk embed /path` first``).
In a notebook the fix is a call: the API's functions are wrapped in :func:`api_words`,
which puts each command the API has a call for as that call (``run `ld.embed(p)`
first``, ``overwrite=True`` for ``--overwrite``), once, here (the app does the same with
its menus: :mod:`labeldesk.gui.app_words`). The error keeps its type and attributes.
A full disk, which the operating system or SQLite reports with an ``OSError`` or a
``sqlite3`` error of its own, becomes LabelDesk's :class:`~labeldesk.core.errors.DiskFull`
(a ``LabelDeskError``, the original chained), in the words the command line prints for
it (:func:`own_full_disk`), so that every failure the API expects is a ``LabelDeskError``.

The wrapper also checks, before the call, the arguments whose annotation says plainly
what they must be (:func:`checked_argument`): a ``bool`` keyword given ``"yes"`` was read
as true, and a path given ``123`` was a TypeError from deep inside.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import os
import re
import shlex
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

from labeldesk.core.errors import BadArgument, DiskFull, LabelDeskError, LabelFileError
from labeldesk.core.unguarded_main import leave_if_importing_main

_P = ParamSpec("_P")
_R = TypeVar("_R")
_V = TypeVar("_V")

_PATH = r"(?:'[^']*'|[^\s`']+)"  # a project folder as a shell command quotes it
# a project folder inside a command in backticks: as the core writes it, unquoted, it may
# hold spaces (`labeldesk embed /home/me/my proj`); the backticks or an option end it (a
# command with options no call takes, `labeldesk embed /p --ray auto`, stays as it is)
_IN_TICKS = r"(?:(?! --)[^`])+?"
# (pattern, the API's words), in order: the more specific first
_IN_API: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (
        re.compile(rf"`labeldesk embed (?:{_IN_TICKS} )?--model ([^\s`]+)`"),
        lambda m: f'`ld.embed(p, model="{m.group(1)}")`',
    ),
    (re.compile(rf"`labeldesk embed {_IN_TICKS}`"), "`ld.embed(p)`"),
    (re.compile(r"`embed --model ([^\s`]+)`"), r'`ld.embed(p, model="\1")`'),  # a head's
    (  # embeddings whose identity.json cannot be read (ml.vectors.UnreadableIdentity)
        re.compile(r"`labeldesk embed` with the model that made them"),
        "`ld.embed(p, model=…)` with the model that made them",
    ),
    (  # ld.embed interrupted (KeyboardInterrupt's note: ml.embed.INDEX_INTERRUPTED)
        re.compile(r"the next `labeldesk embed` or `labeldesk similar` builds it"),
        "the next `ld.embed(p)` or `ld.similar(p, …)` builds it",
    ),
    (  # a labels file's '-' (ld.new_project(labels=…))
        re.compile(r"'-' removes a label only as `labeldesk label`'s LABEL"),
        "`p.set_label(path, None)` removes a label",
    ),
    (  # a moved image folder (p.scan(), ld.export, ld.embed): the project's relocate
        re.compile(rf"`labeldesk scan {_IN_TICKS} --images NEW_FOLDER`"),
        "`p.relocate(NEW_FOLDER)`, then `p.scan()`",
    ),
    (re.compile(rf"`labeldesk scan {_IN_TICKS}`"), "`p.scan()`"),
    # ld.new_project(images=…) and p.relocate(images) given a file
    (re.compile(r"; --images takes the folder"), "; images takes the folder"),
    # ld.new_project(labels=…): it has no option naming the columns
    (
        re.compile(r", or name them with --path-column and --label-column"),
        "; rename the file's columns so (`ld.new_project` has no option naming other columns)",
    ),
    (re.compile(r"classes not in --classes were added"), "classes not in classes= were added"),
    # ld.export's options (make_splits="80/10/10", class_map=…, link=, shard_size=)
    (re.compile(r"--make-splits ('[^']*'|\"[^\"]*\")"), r"make_splits=\1"),
    (  # a class the disk cannot hold as a folder: rename it for the export, or for good
        re.compile(rf"\(labeldesk classes {_PATH} --rename ({_PATH}) ({_PATH})\)"),
        lambda m: f"(`p.rename_class({_word(m.group(1))!r}, {_word(m.group(2))!r})`)",
    ),
    (re.compile(rf"--class-map ({_PATH})(?= \()"), lambda m: f"class_map={_word(m.group(1))!r}"),
    (re.compile(r"--class-map\b"), "class_map"),
    (re.compile(r"export without --symlink\b"), 'export without link="symlink"'),
    (re.compile(r"a smaller --shard-size"), "a smaller shard_size"),
    # ld.embed(device=…, runtime=…)
    (re.compile(r"--device (auto|cpu|cuda|mps)\b"), r'device="\1"'),
    (re.compile(r"--runtime (auto|torch|openvino|onnx)\b"), r'runtime="\1"'),
    (re.compile(r"--overwrite\b"), "overwrite=True"),  # ld.export's argument
    (  # ld.new_project(labels=…): a file whose labels are all empty (core.empty_labels)
        re.compile(r"name the label column with --label-column COL, or give --empty-labels"),
        "fill in the file's label column, or pass empty_labels=True",
    ),
    (re.compile(r"give --empty-labels"), "pass empty_labels=True"),
    # a version not found
    (re.compile(rf"`labeldesk version {_IN_TICKS} list`"), "`ld.versions(p)`"),
    (  # ld.open_project on an image folder
        re.compile(r"run `labeldesk new PROJECT --images ([^`]+)` \(or New project… in the app\)"),
        lambda m: f"run `ld.new_project(PROJECT, {shlex.split(m.group(1))[0]!r})`",
    ),
    (re.compile(rf"`labeldesk models {_IN_TICKS}`"), "`ld.model_versions(p)`"),  # a model not found
    # ld.open_project given a file, another program's database, or an image folder
    (re.compile(r"`labeldesk new` made"), "`ld.new_project` made"),
    (re.compile(r"`new` refuses "), "`ld.new_project` refuses "),
    (  # a label no class has (core.vocab: ld.predictions, ld.issues, ld.drift)
        re.compile(rf"\(`labeldesk classes (?:{_IN_TICKS} )?--add ([^`]+)`\)"),
        lambda m: f"(`p.add_classes({_names(m.group(1))!r})`)",
    ),
    # a full disk, a file refused, embeddings rebuilt while read: no command ran; the
    # call that failed is the one to make again
    (re.compile(r"run the command again"), "make the call again"),
)


def _word(shell: str) -> str:
    """One word as a shell command quotes it (``'a b'``), as Python text."""
    try:
        words = shlex.split(shell)
    except ValueError:
        return shell
    return words[0] if len(words) == 1 else shell


def _names(shell: str) -> list[str]:
    """The class names of a ``classes --add`` as a shell command quotes them
    (``'red\\, fox, ant'``: a comma in a name escaped), as a list."""
    from labeldesk.core.classes import split_names

    return split_names(_word(shell))


# True while a `labeldesk` command runs: it calls the API's functions too, and its
# errors must keep naming commands (`labeldesk embed PROJECT`), not notebook calls.
_COMMAND_LINE = contextvars.ContextVar("labeldesk_command_line", default=False)


@contextmanager
def on_the_command_line() -> Iterator[None]:
    """Within this block the API's errors keep the command line's words."""
    token = _COMMAND_LINE.set(True)
    try:
        yield
    finally:
        _COMMAND_LINE.reset(token)


def on_command_line() -> bool:
    """Whether a `labeldesk` command is running (its errors keep its own words)."""
    return _COMMAND_LINE.get()


def in_api_words(message: str) -> str:
    """``message`` with the commands it names put as the API's calls."""
    for pattern, words in _IN_API:
        message = pattern.sub(words, message)
    return message


def reasons_in_api_words(failed: list[dict[str, str]]) -> list[dict[str, str]]:
    """A report's images that could not be read (``{"path", "reason"}``), the command a
    reason names put as the API's call (``changed since the last scan; run `p.scan()```),
    except while a `labeldesk` command runs."""
    if _COMMAND_LINE.get():
        return failed
    return [{**row, "reason": in_api_words(row["reason"])} for row in failed]


PATH_TYPES = {"str", "Path", "os.PathLike[str]"}  # annotations of a path (some of them)


def checked_argument(name: str, annotation: object, value: _V) -> _V:
    """``value`` as the argument ``name`` (annotated ``annotation``, as text) takes it;
    BadArgument where it cannot be. Checked: ``bool`` (True or False; a NumPy bool, such
    as ``df.flagged.any()``, becomes one) and paths (``str | os.PathLike[str]``, ``Path |
    str``, with or without ``| None``). Other annotations are the function's own to check."""
    kinds = {part.strip() for part in str(annotation).split("|")}
    if kinds == {"bool"}:
        if isinstance(value, bool):
            return value
        if type(value).__module__ == "numpy" and type(value).__name__ in ("bool_", "bool"):
            return bool(value)  # type: ignore[return-value]  # a bool where a bool was meant
        raise BadArgument(f"{name} must be True or False, not {type(value).__name__} ({value!r})")
    paths = kinds - {"None"} <= PATH_TYPES and kinds & {"Path", "os.PathLike[str]"}
    if paths and not isinstance(value, str | os.PathLike):
        if value is None and "None" in kinds:
            return value
        raise BadArgument(
            f"{name} must be a str or an os.PathLike (such as pathlib.Path), "
            f"not {type(value).__name__} ({value!r})"
        )
    return value


def api_words(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """``function``, its arguments checked up front (:func:`checked_argument`) and its
    LabelDesk errors' advice put in the API's words."""
    signature = inspect.signature(function)

    @functools.wraps(function)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        leave_if_importing_main()  # a worker re-running an unguarded script: stop here
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError:
            bound = None  # a missing or unknown argument: the call itself says so
        if bound is not None:
            for name, value in bound.arguments.items():
                annotation = signature.parameters[name].annotation
                bound.arguments[name] = checked_argument(name, annotation, value)
        if bound is None:
            return _in_api_terms(function, *args, **kwargs)
        return _in_api_terms(function, *bound.args, **bound.kwargs)

    return wrapper


def _in_api_terms(function: Callable[_P, _R], *args: _P.args, **kwargs: _P.kwargs) -> _R:
    """``function(*args, **kwargs)``, its LabelDesk errors put in the API's words
    (:func:`reword`) and a full disk made a ``DiskFull`` (:func:`own_full_disk`)."""
    try:
        return function(*args, **kwargs)
    except (LabelDeskError, KeyboardInterrupt) as exc:
        reword(exc)
        raise
    except (OSError, sqlite3.DatabaseError) as exc:
        full = own_full_disk(exc)
        if full is None:
            raise
        raise full from exc


def own_full_disk(exc: OSError | sqlite3.DatabaseError) -> DiskFull | None:
    """``exc`` as LabelDesk's :class:`~labeldesk.core.errors.DiskFull` where it says the
    disk is full (ENOSPC, a used-up quota, SQLite's "database or disk is full", the
    project database at its file system's largest file): the message and the notes the
    work added on the way up (what it kept), as the command line prints them
    (:func:`labeldesk.core.failures.describe`), in the API's words, and the disk it found
    full; None for another failure, or while a `labeldesk` command runs (it prints the
    same words itself)."""
    from labeldesk.core.failures import describe, full_disk_of

    if _COMMAND_LINE.get():
        return None
    described = describe(exc)
    if described is None or described[1] != "DiskFull":
        return None
    return DiskFull(in_api_words(described[0]), disk=full_disk_of(exc))


def reword(exc: BaseException) -> None:
    """``exc``'s message and notes (a Ctrl+C's: what was kept) put in the API's words,
    unless a `labeldesk` command runs; a labels file's error
    (:class:`~labeldesk.core.errors.LabelFileError`) its ``problems`` and ``note`` too,
    which a notebook reads line by line."""
    if _COMMAND_LINE.get():
        return
    if isinstance(exc, LabelDeskError) and exc.args and isinstance(exc.args[0], str):
        exc.args = (in_api_words(exc.args[0]), *exc.args[1:])
    notes = getattr(exc, "__notes__", None)
    if isinstance(notes, list):
        notes[:] = [in_api_words(n) if isinstance(n, str) else n for n in notes]
    if isinstance(exc, LabelFileError):
        exc.problems = [in_api_words(p) for p in exc.problems]
        exc.note = in_api_words(exc.note)


def reworded(method: Callable[_P, _R]) -> Callable[_P, _R]:
    """A method of the notebook's project (``p.scan()``, ``p.relocate(folder)``) whose
    LabelDesk errors are put in the API's words, and a full disk made a ``DiskFull``, as
    :func:`api_words` does for a function (its arguments are the project's own to check)."""

    @functools.wraps(method)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        return _in_api_terms(method, *args, **kwargs)

    return wrapper
