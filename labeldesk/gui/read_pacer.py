"""When a page that follows the project may read it again: not back to back.

The embedding map on screen reads its points again after a change made elsewhere: ~9 s
of CPU at a million images, while a colleague labeling makes the app see a change every
1.5 s, so it read back to back for as long as they labeled. The page asks a
:class:`ReadPacer`: one read at a time (the page starts the next only when the last one
ended), every change meanwhile merged into that one next read, and a pause after each
read of :data:`GAP_FACTOR` times as long as the read took (at most :data:`MAX_GAP_S`),
so following the project takes at most a quarter of a core however fast the changes come.
A 50 ms read is followed 150 ms later; a 9 s one, 27 s later.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

GAP_FACTOR = 3.0  # pause after a read, in multiples of how long it took
MAX_GAP_S = 60.0  # (a read slowed down by a busy machine: later changes still show)


class ReadPacer(QObject):
    """Holds that a read is wanted, and from when the next one may start. It emits
    :attr:`due` when a wait it was asked for (:meth:`wait`) is over, rather than
    holding a callback, so it keeps no reference to its owner."""

    due = Signal()

    def __init__(self, parent: QObject, clock: Callable[[], float] = time.monotonic):
        super().__init__(parent)
        self.clock = clock  # seconds, only ever compared
        self.wanted = False  # changed since the last read started
        self._busy_since: float | None = None  # a read (and what followed it) runs
        self._timed = True  # that spell of work sets the pause after it
        self._not_before = 0.0  # no read for a change before this (clock)
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self.due)

    @property
    def running(self) -> bool:
        """Whether a job of the page runs (until :meth:`idle`)."""
        return self._busy_since is not None

    def want(self) -> None:
        """Something changed: read again (when :meth:`wait_s` allows)."""
        self.wanted = True

    def busy(self, timed: bool = True) -> None:
        """A job of the page starts (a read clears :attr:`wanted` itself). ``timed``
        False: the spell of work it starts sets no pause (the page's first read, which
        may fit the map: far longer than reading it again)."""
        if self._busy_since is None:
            self._busy_since = self.clock()
            self._timed = timed

    def read_started(self, timed: bool = True) -> None:
        self.wanted = False
        self._timer.stop()
        self.busy(timed)

    def idle(self) -> None:
        """The page's jobs ended: the next read waits GAP_FACTOR times as long as they
        took, from now, or longer where the pause after an earlier spell ends later (a
        quick colouring chosen during the pause after a long read: it shortened it)."""
        if self._busy_since is not None:
            now = self.clock()
            if self._timed:
                gap = min(MAX_GAP_S, GAP_FACTOR * (now - self._busy_since))
                self._not_before = max(self._not_before, now + gap)
            self._busy_since = None

    def drop(self) -> None:
        """Forget the changes (the user cancelled the read)."""
        self.wanted = False
        self._timer.stop()

    @property
    def waiting(self) -> bool:
        """Whether a wait asked for (:meth:`wait`) is under way."""
        return self._timer.isActive()

    def wait_s(self) -> float:
        """Seconds until a read for a change may start (0: now)."""
        return max(0.0, self._not_before - self.clock())

    def wait(self, seconds: float) -> None:
        """Emit :attr:`due` in ``seconds`` (unless a read starts first)."""
        self._timer.start(max(1, round(seconds * 1000)))
