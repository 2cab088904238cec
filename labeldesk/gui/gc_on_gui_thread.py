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
"""

from __future__ import annotations

import gc
import time

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer

INTERVAL_MS = 200  # young cyclic garbage waits at most this long (a few ms to collect)
FULL_EVERY_S = 300.0  # older cyclic garbage waits at most about this long (see above)

_COLLECTOR: GuiThreadCollector | None = None


class GuiThreadCollector(QObject):
    """Turns Python's automatic collection off and collects on a timer of the GUI
    thread instead (see the module docstring). One per application: :func:`install`."""

    def __init__(self, parent: QObject, interval_ms: int = INTERVAL_MS):
        super().__init__(parent)
        self.clock = time.monotonic
        self.last_full = self.clock()
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
        counts, thresholds = gc.get_count(), gc.get_threshold()
        now = self.clock()
        if counts[2] and now - self.last_full >= FULL_EVERY_S:
            counts = (counts[0], counts[1], thresholds[2] + 1)
        for generation in (2, 1, 0):
            if thresholds[generation] and counts[generation] > thresholds[generation]:
                gc.collect(generation)
                if generation == 2:
                    self.last_full = now
                return generation
        return -1


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
    gc.disable()  # (again: turned on since, by a library, or by a test between pages)
    return _COLLECTOR
