"""Where ``labeldesk gui`` writes what went wrong when nobody sees its terminal.

Started from the applications menu, the app has no terminal: its stderr goes to the
session's journal at best, so a traceback from a button, the reason it could not start
(where no notification service runs) or a crash's stack left no trace a person would find.
Then the app also writes its log records, every uncaught exception (any thread) and, on a
crash, the Python stack of each thread to a file README names: ``labeldesk.log`` in the
user log folder (platformdirs': Linux ``~/.local/state/labeldesk/log``, as
``$XDG_STATE_HOME`` says; macOS ``~/Library/Logs/labeldesk``; Windows
``%LOCALAPPDATA%\\labeldesk\\labeldesk\\Logs``).
Each start keeps the previous run's log as ``labeldesk.log.1``; nothing older is kept.
"""

from __future__ import annotations

import contextlib
import faulthandler
import logging
import os
import sys
import threading
import time
import traceback
from pathlib import Path
from types import TracebackType
from typing import TextIO

FILE_NAME = "labeldesk.log"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_open: list[TextIO] = []  # the log file, once started


def has_terminal() -> bool:
    """Whether any of the standard streams is a terminal (a menu entry's are none)."""
    streams = (sys.stdin, sys.stdout, sys.stderr)
    return any(stream is not None and stream.isatty() for stream in streams)


def log_folder() -> Path:
    """``LABELDESK_LOG_DIR``, else the user log folder (an absolute one: a relative
    ``XDG_STATE_HOME`` is ignored, as the XDG specification says)."""
    chosen = os.environ.get("LABELDESK_LOG_DIR", "")
    if chosen:
        return Path(chosen)
    from platformdirs import user_log_dir

    folder = Path(user_log_dir("labeldesk"))  # (beside the model cache on Windows)
    if not folder.is_absolute():
        folder = Path.home() / ".local" / "state" / "labeldesk" / "log"
    return folder


def start_log(folder: Path | None = None) -> Path | None:
    """Open the log file (the previous one kept as ``.1``) and send log records, uncaught
    exceptions and fatal errors there as well as to stderr. Returns its path, or None
    where it cannot be written (a read-only home): the app then runs as it would without."""
    folder = log_folder() if folder is None else folder
    path = folder / FILE_NAME
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if path.exists():
            os.replace(path, path.with_name(FILE_NAME + ".1"))
        stream = open(path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 (the app's life)
    except OSError as error:
        print(f"labeldesk: no log file in {folder}: {error.strerror or error}", file=sys.stderr)
        return None
    from labeldesk import __version__

    _open[:] = [stream]
    started = time.strftime("%Y-%m-%d %H:%M:%S")
    stream.write(f"{started} LabelDesk {__version__} started: {' '.join(sys.argv)}\n")
    root = logging.getLogger()
    if not root.handlers and sys.stderr is not None:  # stderr as before, then the file
        # (the journal may keep stderr; Windows' pythonw has none)
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    in_file = logging.StreamHandler(stream)
    in_file.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(in_file)
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)
    _catch_uncaught(stream)
    faulthandler.enable(file=stream, all_threads=True)  # a crash's stack, where Python cannot
    return path


def _catch_uncaught(stream: TextIO) -> None:
    """Uncaught exceptions (Qt slots' too: PySide reports them through sys.excepthook) go
    to the file, then to the hook before (which prints them to stderr)."""
    before, thread_before = sys.excepthook, threading.excepthook

    def write(
        kind: type[BaseException], value: BaseException, tb: TracebackType | None, where: str
    ) -> None:
        try:
            stream.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} uncaught exception{where}:\n")
            traceback.print_exception(kind, value, tb, file=stream)
        except (OSError, ValueError):  # a full disk, a closed file: stderr still has it
            pass

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        write(kind, value, tb, "")
        before(kind, value, tb)

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None and args.exc_type is not SystemExit:
            name = args.thread.name if args.thread is not None else "?"
            write(args.exc_type, args.exc_value, args.exc_traceback, f" in thread {name}")
        thread_before(args)

    sys.excepthook = hook
    threading.excepthook = thread_hook


def route_qt_messages() -> None:
    """Qt's own warnings (a lost X11 connection, a plugin that failed) into the log file
    too; called once the checks have passed and Qt may load. Each still goes to stderr."""
    if not _open:
        return
    from PySide6.QtCore import qInstallMessageHandler

    kinds = {0: "debug", 1: "warning", 2: "critical", 3: "fatal", 4: "info"}

    def handler(kind: object, _context: object, message: str) -> None:
        number = getattr(kind, "value", kind)
        note(f"Qt {kinds.get(number, number) if isinstance(number, int) else kind}: {message}")
        print(message, file=sys.stderr)  # what Qt's default handler prints

    qInstallMessageHandler(handler)


def note(message: str) -> None:
    """Write ``message`` to the log file alone (stderr has it already); nothing where no
    log was started."""
    for stream in _open:
        with contextlib.suppress(OSError, ValueError):
            stream.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {message}\n")
