"""Measuring the GUI thread from inside the app: paint times, timer heartbeat gaps and
garbage-collection pauses (see bench_gui.py)."""

from __future__ import annotations

import atexit
import gc
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer
from PySide6.QtWidgets import QWidget

HEARTBEAT_MS = 16
STALL_P99_TARGET_MS = 50.0  # a heartbeat gap longer than this counts as a stall


_SETTINGS_FOLDERS: list[str] = []


def private_settings() -> str:
    """Point Qt's settings at a fresh temporary folder (not the user's), removed at exit
    (normal exit, or :func:`quit_now`)."""
    folder = tempfile.mkdtemp(prefix="labeldesk-bench-settings-")
    _SETTINGS_FOLDERS.append(folder)
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, folder)
    return folder


def quit_now(code: int = 0) -> None:
    """Leave at once, skipping interpreter teardown (the app's threads need not be
    waited for), after flushing the figures and removing the settings folders made here."""
    for folder in _SETTINGS_FOLDERS:
        shutil.rmtree(folder, ignore_errors=True)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def percentiles(values_ms: list[float]) -> dict[str, float]:
    if not values_ms:
        return {"n": 0, "p50": float("nan"), "p99": float("nan"), "max": float("nan")}
    ordered = sorted(values_ms)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {"n": len(ordered), "p50": statistics.median(ordered), "p99": p99, "max": ordered[-1]}


def watch_gc() -> list[tuple[float, float, int, bool]]:
    """Python's cyclic collections over 10 ms: (start, ms, generation, on the GUI thread).

    A collection runs in whichever thread sets it off and holds the GIL throughout, so
    one in a worker thread stalls the GUI thread as much as one in the GUI thread."""
    pauses: list[tuple[float, float, int, bool]] = []
    started = [0.0]

    def callback(phase: str, info: dict) -> None:
        now = time.perf_counter()
        if phase == "start":
            started[0] = now
        elif now - started[0] > 0.010:
            main = threading.current_thread() is threading.main_thread()
            pauses.append((started[0], (now - started[0]) * 1000, info["generation"], main))

    gc.callbacks.append(callback)
    return pauses


class PaintProbe(QObject):
    """Records when each paint of a widget *ended*, with ``state()`` at that time.

    ``dispatch`` paints (the filter runs it itself, then swallows the event), so the
    recorded time includes the paint; for a scroll area's viewport it is the area's
    ``viewportEvent``, which is what Qt would call next.
    """

    def __init__(
        self,
        widget: QWidget,
        dispatch: Callable[[QEvent], object],
        state: Callable[[], object] = lambda: True,
    ):
        super().__init__()
        self.dispatch, self.state = dispatch, state
        self.paints: list[tuple[float, object]] = []
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.Paint:
            return False
        self.dispatch(event)
        self.paints.append((time.perf_counter(), self.state()))
        return True

    def first_after(self, t: float) -> float | None:
        """End of the first paint after ``t`` whose state was truthy."""
        return next((end for end, state in self.paints if end > t and state), None)


class Heartbeat(QObject):
    """A 16 ms timer on the GUI thread; a long gap between ticks is a stall."""

    def __init__(self) -> None:
        super().__init__()
        self.ticks: list[tuple[float, float]] = []  # wall time, GUI-thread CPU time
        self.timer = QTimer(self, interval=HEARTBEAT_MS)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self.tick)

    def tick(self) -> None:
        self.ticks.append((time.perf_counter(), time.thread_time()))

    def start(self) -> None:
        self.ticks = []
        self.tick()
        self.timer.start()

    def stop(self) -> dict:
        """Gap percentiles (ms), and each long gap as (its start in s, ms, GUI CPU ms):
        a gap with little CPU means the GUI thread waited (for a core, or the GIL)."""
        self.timer.stop()
        self.tick()
        pairs = list(zip(self.ticks, self.ticks[1:], strict=False))
        gaps = [(b[0] - a[0]) * 1000 for a, b in pairs]
        result: dict = percentiles(gaps)
        result["stalls"] = [
            (round(a[0] - self.ticks[0][0], 3), round(gap, 1), round((b[1] - a[1]) * 1000, 1))
            for (a, b), gap in zip(pairs, gaps, strict=True)
            if gap > STALL_P99_TARGET_MS
        ]
        return result
