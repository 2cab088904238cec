"""The ``labeldesk`` command's entry point (the console script and ``python -m labeldesk``).

Ctrl+C or ``kill`` in the command's first moments, while Python is still importing the
command line (pandas, numpy and the rest can take a second on a cold disk), used to print
a ``KeyboardInterrupt`` traceback. Until the command takes over its signals
(:func:`settle`, called by :func:`labeldesk.cli.main` before it runs anything), either
signal ends the process at once with one line and the exit status a stop has
afterwards: 130 for Ctrl+C, 143 for SIGTERM. Nothing has been written by then.

Imports only the standard library: ``import labeldesk`` loads nothing heavy either.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from typing import NoReturn

from labeldesk.openmp_wait import sleep_while_waiting

BEFORE_IT_BEGAN = "interrupted before it began; nothing was changed"
CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}


def run() -> NoReturn:
    """The ``labeldesk`` command, with Ctrl+C and SIGTERM ending it cleanly while it loads."""
    sleep_while_waiting()
    _install()
    try:
        from labeldesk import cli

        cli.run()
    finally:  # (run() does not return: only a test's stand-in for it does)
        settle()


def _install() -> None:
    """Take SIGINT and SIGTERM where they still do what Python does by default."""
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _stop_before_start)
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _stop_before_start)


def settle() -> None:
    """Give SIGINT and SIGTERM back to Python's defaults (the command sets its own)."""
    if signal.getsignal(signal.SIGINT) is _stop_before_start:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if signal.getsignal(signal.SIGTERM) is _stop_before_start:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _stop_before_start(signum: int, _frame: object) -> None:
    """One line (and with ``--json`` the error document every failure prints), then out:
    nothing is half done, so there is nothing to clean up."""
    words = "terminated" if signum == signal.SIGTERM else "interrupted"
    message = BEFORE_IT_BEGAN.replace("interrupted", words, 1)
    try:
        sys.stderr.write(f"error: {message}\n")
        sys.stderr.flush()
        argv = sys.argv[1:]
        if "--json" in argv[: argv.index("--") if "--" in argv else None]:
            sys.stdout.write(json.dumps({"error": message, "kind": "Interrupted"}) + "\n")
            sys.stdout.flush()
    except OSError:  # (a closed terminal: the exit status still says it)
        pass
    os._exit(CODES.get(signal.Signals(signum), 130))
