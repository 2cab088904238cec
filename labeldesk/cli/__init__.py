"""Command line: parse arguments, call core functions, print text or one JSON document.

Kept thin on purpose: every command is a call into ``labeldesk.core`` (or ``ml``/``interop``)
that the GUI makes too. Progress goes to stderr; ``--json`` output goes to stdout, and
with ``--json`` nothing else does (see :func:`_stdout_to_stderr`). Each module in this
package adds its subcommands with ``add_parsers``.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import gc
import json
import os
import signal
import sys
import threading
import traceback
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, redirect_stdout
from typing import NoReturn, TextIO

from labeldesk.api_words import on_the_command_line
from labeldesk.cli import (
    app,
    dataset,
    drift,
    embed,
    embeddings,
    examples,
    export,
    history,
    imports,
    labeling,
    models,
    review,
    training,
    versions,
)
from labeldesk.cli._base import OptionsError, Output, with_project_as_typed
from labeldesk.cli.dash_names import dash_hint
from labeldesk.cli.json_document import json_safe
from labeldesk.core.display import printable_text
from labeldesk.core.failures import describe
from labeldesk.core.spreadsheet import NEGATIVE_NUMBER

__all__ = ["Output", "build_parser", "main", "version_report"]


class UsageError(Exception):
    """A command line argparse cannot read (raised instead of exiting, so that with
    ``--json`` the error is a JSON document like every other)."""

    def __init__(self, parser: argparse.ArgumentParser, message: str):
        self.parser = parser
        super().__init__(message)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(self, message)


class _VersionAction(argparse.Action):
    """``--version``: the report of :func:`version_report`, which loads torch only here."""

    def __call__(self, parser: argparse.ArgumentParser, *_args: object, **_kw: object) -> None:
        print(version_report())
        parser.exit()


def version_report() -> str:
    """LabelDesk's version, Python's, the PyTorch build (CPU or the CUDA it was built for)
    and the device training and embedding would use: what a bug report needs."""
    from labeldesk import __version__

    lines = [
        f"labeldesk {__version__}",
        f"python {sys.version.split()[0]} ({sys.executable})",
    ]
    try:
        import torch

        from labeldesk.ml.device import describe_device
    except Exception as exc:  # a broken or missing torch is what this report is for
        lines.append(f"torch: unavailable ({type(exc).__name__}: {exc})")
        return "\n".join(lines)
    cuda = torch.version.cuda
    build = f"CUDA {cuda} build" if cuda else "CPU build"
    lines.append(f"torch {torch.__version__} ({build})")
    try:
        device = describe_device()
    except Exception as exc:
        device = f"unknown ({type(exc).__name__}: {exc})"
    lines.append(f"device: {device}")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="labeldesk",
        description="Curate image-classification datasets: index, label, find mistakes, export.",
        epilog="Progress goes to stderr: a bar in a terminal; where stderr is a file or a "
        "pipe (a log, CI, nohup), a plain line when a phase starts, at each fine-tune "
        "epoch and at least every 30 s.",
    )
    parser.add_argument(
        "--version",
        action=_VersionAction,
        nargs=0,
        help="print the version, the PyTorch build and the device it would use, and exit",
    )
    parser.add_argument(  # `labeldesk --json stats P` said "unrecognized arguments: --json"
        "--json",
        dest="json_first",
        action="store_true",
        help="print one JSON document on stdout (as --json after the command)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_text: str, json_output: bool = True) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name,
            help=help_text,
            description=help_text,
            epilog=examples.epilog(name),  # README's command lines (new, label, …)
            formatter_class=examples.ExamplesFormatter,
        )
        if json_output:
            p.add_argument("--json", action="store_true", help="print one JSON document on stdout")
        return p

    # in this order in --help
    for module in (
        dataset,
        labeling,
        history,
        imports,
        embed,
        embeddings,
        review,
        training,
        models,
        export,
        versions,
        drift,
        app,
    ):
        module.add_parsers(add)
    return parser


def _command_parser(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.ArgumentParser:
    """The parser of the command in ``argv`` (``parser`` itself when it names none): an
    unknown option is reported by the top level, but the command's usage is the help."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for word in argv:
                if not word.startswith("-"):  # the first word that is not an option
                    return action.choices.get(word, parser)
    return parser


def _late_positionals(args: argparse.Namespace, extras: list[str]) -> bool:
    """Take `label P --json PATH LABEL` as `label P PATH LABEL --json` (and `history P -n 5
    PATH`): Python 3.11's argparse fills optional positionals (empty) at the first option
    it meets and then calls the rest unknown (fixed in later Pythons). After ``--`` (a name
    that begins with '-': `label P --json -- PATH -neg`) every word is a name. True when
    ``extras`` were those."""
    if extras[:1] == ["--"]:
        extras, plain = extras[1:], True
    else:
        plain = all(
            e == "-" or not e.startswith("-") or NEGATIVE_NUMBER.fullmatch(e) for e in extras
        )
    empty = [name for name in ("path", "label") if getattr(args, name, "") is None]
    if args.command not in ("label", "history") or not plain or len(extras) > len(empty):
        return False
    for name, value in zip(empty, extras, strict=False):
        setattr(args, name, value)
    return True


def run(argv: Sequence[str] | None = None) -> NoReturn:
    """The ``labeldesk`` command: :func:`main`, then :func:`leave` with its exit code."""
    leave(main(argv))


def leave(code: int) -> NoReturn:
    """End the process with ``code``. When a ``ray.init`` given up on (a head gone while
    this machine joined its cluster) is still running in Ray's hands, at once, without
    the interpreter's teardown: Ray's own threads can crash the process in it (exit -11
    after the command had said what happened and written nothing)."""
    ray_cluster = sys.modules.get("labeldesk.ml.ray_cluster")
    if ray_cluster is not None and ray_cluster.left_to_ray():
        sys.modules["labeldesk.ml.ray_workdir"].remove_made()  # (its empty job folder)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    if _loaded_a_large_library() and not _ran_the_app():
        # A command that loaded the model (PyTorch or ONNX Runtime, and for a Ray job
        # Ray, Ray Data and PyArrow) went on seconds after its last line while the
        # interpreter's last garbage collections went over all of that: after a Ray
        # job 5.7-7.1 s (2 cores, load 13-17), 5-16 s after the error of a job Ray's
        # memory monitor had killed; after a local `labeldesk embed` 3.6-4.6 s. The
        # command has closed what it wrote by now (its project, its files: each in a
        # `with`), and the teardown itself still runs (atexit handlers, stdout and stderr
        # flushed, the exit code), without those scans: the objects alive at exit are
        # frozen out of them (at the exit itself, so that a caller that catches
        # SystemExit, a test, goes on as before). Only there: a command that loaded
        # none of those libraries gains little from it and keeps the whole teardown, so
        # an object only a collection would close (a file left open) is still closed.
        atexit.register(gc.freeze)
    sys.exit(code)


LARGE_LIBRARIES = ("torch", "onnxruntime", "openvino", "ray")


def _loaded_a_large_library() -> bool:
    """Whether this process imported a library whose objects make the interpreter's
    last garbage collections take seconds (the model's runtimes, Ray)."""
    return any(name in sys.modules for name in LARGE_LIBRARIES)


def _ran_the_app() -> bool:
    """Whether this process loaded Qt (`labeldesk gui`, the one command that does): Qt
    objects that only a garbage collection frees (a window's, a QSettings' pending
    values) are left to the interpreter's teardown as before."""
    return "PySide6.QtCore" in sys.modules


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args, extras = parser.parse_known_args(argv)
        if extras and not _late_positionals(args, extras):
            parser.parse_args(argv)  # says which arguments it does not know
    except UsageError as exc:
        # a name that begins with '-' (a file `-a.png`, a class `-neg`) read as an option
        message = str(exc) + dash_hint(parser, argv)
        if "--json" in argv:
            return _fail(message, "UsageError", True, code=2)
        said_by = _command_parser(parser, argv) if exc.parser is parser else exc.parser
        return _usage_error(said_by, message)
    if args.json_first:
        args.json = True
    as_json = getattr(args, "json", False)
    out = sys.stdout  # the document's stream; with --json nothing else may write to it
    begun: list[bool] = []  # a document streamed as it is read has begun on stdout
    saved_before = _commits_made()
    _early_stop_off()
    with _stdout_to_stderr(as_json), _terminate_as_interrupt(args.command != "gui"):
        try:
            with on_the_command_line():  # (its errors name commands, not notebook calls)
                result = args.handler(args)
                if isinstance(result, int):
                    return result
                if result is None:
                    return 0
                # (inside: a document read as it is written can fail part-way)
                return _print(result, args, as_json, out, begun)
        except KeyboardInterrupt as exc:  # Ctrl+C, or Terminated (SIGTERM)
            terminated = isinstance(exc, Terminated)
            saved = _commits_made() > saved_before
            word = "terminated" if terminated else "interrupted"
            message = _stopped(word, exc, saved, args.command)
            message = with_project_as_typed(message, getattr(args, "project", None))
            code = 143 if terminated else 130
            extra: dict[str, object] | None = {"saved": True} if saved else None
            return _fail(message, "Interrupted", as_json, code, out=out, begun=begun, extra=extra)
        except OptionsError as exc:  # a usage error found by the command, not argparse
            if as_json:
                return _fail(str(exc), "UsageError", as_json, code=2, out=out)
            return _usage_error(_command_parser(parser, [args.command]), str(exc))
        except Exception as exc:
            described = describe(exc)
            if described is None:  # a bug: say so, with the details a report needs
                traceback.print_exc(file=sys.stderr)
                message = f"internal error ({type(exc).__name__}: {exc}); please report it"
                return _fail(message, "InternalError", as_json, out=out, begun=begun)
            message, kind = described
            message = with_project_as_typed(message, getattr(args, "project", None))
            return _fail(message, kind, as_json, out=out, begun=begun)


def _usage_error(said_by: argparse.ArgumentParser, message: str) -> int:
    """A usage error as argparse writes its own (the command's usage line, then
    ``labeldesk CMD: error: …``), whether argparse or the command found it: exit 2."""
    said_by.print_usage(sys.stderr)
    print(f"{said_by.prog}: error: {printable_text(message)}", file=sys.stderr)
    return 2


def _print(
    result: Output, args: argparse.Namespace, as_json: bool, out: TextIO, begun: list[bool]
) -> int:
    """Write what the command produced to ``out``: its document, or its text."""
    try:
        if as_json and result.document is not None:  # (written as it is read)
            out.writelines(_begun(result.document, begun))
            out.write("\n")
        elif as_json:
            json.dump(json_safe(result.data), out, indent=2, default=str)
            out.write("\n")
        else:  # a command it suggests names the project as typed, as errors do
            text = with_project_as_typed(result.text, getattr(args, "project", None))
            print(printable_text(text), file=out)
        out.flush()
    except BrokenPipeError:  # `labeldesk … | head`: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
    return result.code


def _begun(pieces: Iterable[str], begun: list[bool]) -> Iterator[str]:
    """``pieces``, noting in ``begun`` that the document has begun once one is read."""
    for piece in pieces:
        begun[:] = [True]
        yield piece


SAVED_BEFORE_STOP = (
    "it had already saved changes to the project, and they stay (`labeldesk history PROJECT` "
    "lists label and class changes)"
)


SAVED_BY_COMMAND = {  # what a scan stopped part-way keeps: its committed batches
    "new": (
        "the project and the images it had indexed are kept: `labeldesk scan PROJECT` "
        "indexes the rest"
    ),
    "scan": "the images it had indexed are kept: `labeldesk scan PROJECT` indexes the rest",
}


def _stopped(word: str, exc: BaseException, saved: bool = False, command: str = "") -> str:
    """ "interrupted", with what the command left to do when it said (a note on the
    exception, such as how to finish a fine-tune's embeddings), and whether it had saved
    changes already (an undo stopped after its commit is done: run again, it would take
    back one more), unless a note says what was kept (a fine-tune's, an embedding's)."""
    notes = getattr(exc, "__notes__", None) or []
    said = [SAVED_BY_COMMAND.get(command, SAVED_BEFORE_STOP)] if saved and not notes else []
    return "; ".join([word, *notes, *said])


def _early_stop_off() -> None:
    """From here Ctrl+C and SIGTERM stop the command as below (with cleanup, saying what
    was kept), no longer as they stop it while it loads (see :mod:`labeldesk.entry`; not
    imported here: only the entry point loads it)."""
    entry = sys.modules.get("labeldesk.entry")
    if entry is not None:
        entry.settle()


def _commits_made() -> int:
    """Write transactions committed so far (none before the database module is loaded;
    not imported for that: ``labeldesk --help`` stays quick)."""
    db = sys.modules.get("labeldesk.core.db")
    return int(db.commits_made()) if db is not None else 0


class Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``, a service manager, a closed terminal's shell): the command
    stops the way Ctrl-C stops it, so its cleanup runs (worker processes stopped,
    temporary files removed), and exits with 143."""


@contextmanager
def _terminate_as_interrupt(active: bool) -> Iterator[None]:
    """SIGTERM raises :class:`Terminated` in the main thread while a command runs
    (not for the app, which has its own way of closing; not where someone else set a
    handler first)."""
    if (
        not active
        or threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    ):
        yield
        return

    def stop(_signum: int, _frame: object) -> None:
        raise Terminated

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def _stdout_to_stderr(active: bool) -> Iterator[None]:
    """With ``--json``, what anything in this process prints to ``sys.stdout`` while the
    command runs goes to stderr (a library's message, such as Ray's driver printing
    "(raylet) A worker died…" from a thread of its own): stdout carries one JSON document,
    written by :func:`main` to the stream it saved."""
    if not active:
        yield
        return
    with redirect_stdout(sys.stderr):
        yield


def _fail(
    message: str,
    kind: str,
    as_json: bool,
    code: int = 1,
    out: TextIO | None = None,
    begun: list[bool] | None = None,
    extra: dict[str, object] | None = None,
) -> int:
    """One error: a line on stderr, and with ``--json`` one document on stdout (``out``);
    not when a document streamed there had begun (``begun``): it is ended with a line
    break and left cut short, which no JSON reader takes for a whole one."""
    print(f"error: {printable_text(message)}", file=sys.stderr)
    if as_json and begun:
        with contextlib.suppress(OSError):
            (out or sys.stdout).write("\n")
            (out or sys.stdout).flush()
    elif as_json:
        out = out or sys.stdout
        try:
            json.dump({"error": message, "kind": kind, **(extra or {})}, out)
            out.write("\n")
            out.flush()
        except BrokenPipeError:
            pass
    return code
