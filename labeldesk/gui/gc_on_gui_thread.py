"""Python's cyclic garbage collected on the GUI thread only.

CPython runs a collection in whichever thread happens to allocate past the threshold.
In the app that is often a job's worker thread (a model loading, a scan), and the
garbage it frees may hold Qt objects: a page or widget whose last references formed a
cycle, a timer, a signal's closure. Their C++ destructors then ran on the worker while
the GUI thread used the same objects' event queues and painters: a Qt object must be
deleted in the thread it lives in, a widget in the GUI thread. Under heavy load this
crashed a test process, its fault report showing "Garbage-collecting" on a job's thread
(pyqtgraph's ``GarbageCollector`` exists for the same reason).

So the automatic collector is off while the app runs, and a timer on the GUI thread
does its work: it collects the generations whose counts passed their thresholds
(``gc.get_threshold()``, raised by :func:`~labeldesk.gui.workers.relax_gc`), just no
longer on another thread. Reference counting still frees everything that is not in a
cycle at once, on whichever thread lets go of it.

One difference from CPython: a tick collects one generation at most, so the middle and
oldest generations' counts (collections of the one below) grow with time, not with the
rate of allocation; at the raised thresholds the oldest would wait some six hours of
busy ticks. So whatever reached the oldest generation since the last full collection is
also collected once ``FULL_EVERY_S`` has passed: a window, page or timer let go of in a
cycle after it had lived a while is freed within minutes, not at exit.

An idle app allocates next to nothing, and woke five times a second for it: a quiet
tick (the young count grew by less than a twentieth of its threshold since the last
tick, which collected nothing; an open project's database look every 1.4 s adds a few
of sqlite's cursor weak references) waits twice as long for the next, up to
``IDLE_INTERVAL_MS``, never past a full collection that is due; more growth (the person
at work on a page), a collection, or a job's start (:func:`install`) bring the 200 ms
back at once. So cyclic garbage made after a quiet spell waits at most
``IDLE_INTERVAL_MS`` for its first tick; a job's, made on a worker thread, does not.
"""

from __future__ import annotations

import gc
import time

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer

INTERVAL_MS = 200  # young cyclic garbage waits at most this long at work (a few ms to collect)
IDLE_INTERVAL_MS = 3200  # at most this between quiet ticks (see above)
QUIET_SHARE = 20  # a tick is quiet when the young count grew by less than 1/20 its threshold
FULL_EVERY_S = 300.0  # older cyclic garbage waits at most about this long (see above)

_COLLECTOR: GuiThreadCollector | None = None


class GuiThreadCollector(QObject):
    """Turns Python's automatic collection off and collects on a timer of the GUI
    thread instead (see the module docstring). One per application: :func:`install`."""

    def __init__(self, parent: QObject, interval_ms: int = INTERVAL_MS):
        super().__init__(parent)
        self.clock = time.monotonic
        self.counts = gc.get_count
        self.last_full = self.clock()
        self.busy_interval_ms = interval_ms
        self.left = self.counts()  # the counts as the last tick left them
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.collect_due)
        gc.disable()
        self.timer.start()

    def collect_due(self) -> int:
        """Collect the oldest generation whose count passed its threshold (and the
        younger ones with it), or every generation where something reached the oldest
        and ``FULL_EVERY_S`` has passed since the last full collection; the generation
        collected, or -1 for none."""
        if gc.isenabled():  # a library turned it back on: it could run on a worker again
            gc.disable()
        counts, thresholds = self.counts(), gc.get_threshold()
        quiet = counts[1:] == self.left[1:] and (
            counts[0] - self.left[0] < max(1, thresholds[0] // QUIET_SHARE)
        )
        now = self.clock()
        if counts[2] and now - self.last_full >= FULL_EVERY_S:
            counts = (counts[0], counts[1], thresholds[2] + 1)
        collected = -1
        for generation in (2, 1, 0):
            if thresholds[generation] and counts[generation] > thresholds[generation]:
                gc.collect(generation)
                if generation == 2:
                    self.last_full = now
                collected = generation
                break
        self.left = self.counts()
        self._next_tick(quiet and collected < 0, now)
        return collected

    def wake(self) -> None:
        """Tick every ``INTERVAL_MS`` again from now (a job starts: it allocates)."""
        self._set_interval(self.busy_interval_ms)

    def _next_tick(self, quiet: bool, now: float) -> None:
        """Twice the wait after a quiet tick (at most ``IDLE_INTERVAL_MS``, and not past
        the next full collection where one will be due), else the busy interval."""
        wait = self.busy_interval_ms
        if quiet:
            wait = min(max(self.timer.interval() * 2, wait), IDLE_INTERVAL_MS)
            if self.left[2]:  # a full collection is due at last_full + FULL_EVERY_S
                due_ms = (self.last_full + FULL_EVERY_S - now) * 1000
                wait = max(self.busy_interval_ms, min(wait, int(due_ms)))
        self._set_interval(wait)

    def _set_interval(self, wait: int) -> None:
        if self.timer.interval() != wait:  # (restarts an active timer: only on a change)
            self.timer.setInterval(wait)


def install() -> GuiThreadCollector | None:
    """Collect cyclic garbage on the GUI thread from now on (once per process; called by
    the app's start and by every job's start). Nothing without a QApplication, or off
    its thread (the collector's timer must run on the GUI thread)."""
    global _COLLECTOR
    app = QCoreApplication.instance()
    if app is None or QThread.currentThread() != app.thread():
        return None
    if _COLLECTOR is None or not shiboken6.isValid(_COLLECTOR):  # (a new application)
        _COLLECTOR = GuiThreadCollector(app)
    else:
        _COLLECTOR.wake()  # a job starts: its garbage waits no longer than INTERVAL_MS
    gc.disable()  # (again: turned on since, by a library, or by a test between pages)
    return _COLLECTOR
