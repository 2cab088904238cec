"""Ctrl+C (SIGINT) and SIGTERM held back while a short write must finish whole.

A fine-tune's result is written in several steps (its model files are already on disk;
then its version row, its dataset version, the run folder's marker): a KeyboardInterrupt
raised between two of them either lost the model the person had just been told was kept,
or left a version row whose folder was then deleted. Inside :class:`HeldSignals` the
signals are noted instead (the first one says so on stderr) and acted on by the caller
once the write is done (:meth:`HeldSignals.raised`). ``kill -9`` cannot be held: the
writes themselves stay safe against it (a transaction; a marker removed last).

A step just before the write that may still be cut short (a fine-tune's scoring of the
epoch it keeps) runs inside the window too, after :meth:`HeldSignals.let_through`: the
next signal acts there as it would have (and the window holds from then on), and
:meth:`HeldSignals.hold` ends it as the step's last instruction, so no instruction
between the step and the write is left where a signal acts unheld.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from types import FrameType, TracebackType
from typing import Any

HELD = (signal.SIGINT, signal.SIGTERM)


class HeldSignals:
    """``with held:`` notes SIGINT and SIGTERM instead of acting on them (in the main
    thread only: elsewhere no signal reaches Python code, and nothing is changed); a
    signal its process ignores stays ignored. ``said``: written to stderr at the first
    one held (with os.write: a handler may run while the stream itself is writing)."""

    def __init__(self, said: str) -> None:
        self.said = said
        self.received: int | None = None  # the first signal held
        self.through = False  # the next signal acts now (let_through), then they are held
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> HeldSignals:
        if threading.current_thread() is not threading.main_thread():
            return self
        for signum in HELD:
            handler = signal.getsignal(signum)
            if handler is None or handler == signal.SIG_IGN:  # not Python's, or ignored
                continue
            self._previous[signum] = signal.signal(signum, self._note)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)

    def let_through(self) -> None:
        """The next signal acts at once, as it would have outside (Ctrl+C raises
        KeyboardInterrupt here); from then on they are held again. One held since the
        block began acts now."""
        self.through = True
        if self.received is not None:
            signum, self.received = self.received, None
            self.through = False
            self._act(signum)

    def hold(self) -> None:
        """Every signal from now on is held (ends :meth:`let_through`)."""
        self.through = False

    def _act(self, signum: int) -> None:
        """Do what the handler the signal had does (the system's default: the process
        ends as it would have)."""
        handler = self._previous.get(signum)
        if handler == signal.SIG_DFL:
            signal.signal(signum, signal.SIG_DFL)
            signal.raise_signal(signum)
        elif callable(handler):
            handler(signum, None)

    def _note(self, signum: int, _frame: FrameType | None) -> None:
        if self.through:
            self.through = False
            self._act(signum)
            return
        if self.received is None:
            self.received = signum
            with contextlib.suppress(OSError):
                os.write(2, f"\n{self.said}\n".encode())

    def raised(self) -> BaseException | None:
        """After the block: what the first signal held raises when acted on now (the
        handler it had: KeyboardInterrupt for Ctrl+C, the command line's own exception
        for SIGTERM), or None (none held, or its handler raises nothing). A signal whose
        handler was the system's default is sent again: the process ends as it would
        have."""
        if self.received is None:
            return None
        handler = self._previous.get(self.received)
        if handler == signal.SIG_DFL:
            signal.raise_signal(self.received)
            return None
        if not callable(handler):
            return None
        try:
            handler(self.received, None)
        except BaseException as exc:  # KeyboardInterrupt, the CLI's Terminated
            return exc
        return None
