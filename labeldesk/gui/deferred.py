"""Run a refresh now on small projects, after a pause in the keys on big ones.

The sidebar's counts after a label key are whole-project sums: ~1 ms at 100k images but
~80 ms at 1M (three passes over every label), which would sit between the key and the
next image. Big projects therefore get them once the keys pause (each call restarts the
wait), after the next image is on screen.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

DELAY_MS = 250


class DeferredOnBig(QObject):
    def __init__(
        self,
        parent: QObject,
        refresh: Callable[[], object],
        big: Callable[[], bool],
        active: Callable[[], bool] = lambda: True,
        delay_ms: int = DELAY_MS,
    ):
        """``active``: False once the owner shut down (a waiting refresh is dropped)."""
        super().__init__(parent)
        self._refresh, self._big, self._active = refresh, big, active
        self._timer = QTimer(self, singleShot=True, interval=delay_ms)
        self._timer.timeout.connect(self._run)

    @property
    def pending(self) -> bool:
        return self._timer.isActive()

    def __call__(self) -> None:
        if self._big():
            self._timer.start()
        else:
            self._timer.stop()
            self._run()

    def _run(self) -> None:
        if self._active():
            self._refresh()
