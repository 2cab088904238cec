"""A refresh that runs now on small projects and after a pause in the keys on big ones.

The sidebar's counts after a label key are whole-project sums: ~1 ms at 100k images but
~80 ms at 1M (three passes over every label), which would sit between the key and the
next image. Big projects therefore get them once the keys pause (each call restarts the
wait), after the next image is on screen. It emits :attr:`due` rather than holding a
callback, so it keeps no reference to its owner (no cycle for the garbage collector).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

DELAY_MS = 250


class Deferred(QObject):
    due = Signal()

    def __init__(self, parent: QObject, delay_ms: int = DELAY_MS):
        super().__init__(parent)
        self._timer = QTimer(self, singleShot=True, interval=delay_ms)
        self._timer.timeout.connect(self.due)

    @property
    def pending(self) -> bool:
        return self._timer.isActive()

    def __call__(self, now: bool) -> None:
        """``due`` at once when ``now``, else after the delay (restarted by each call)."""
        if now:
            self._timer.stop()
            self.due.emit()
        else:
            self._timer.start()

    def cancel(self) -> None:
        self._timer.stop()
