"""One notice for one full disk, and never one that still says so once there is room.

A job that fails on a full disk is often followed by others that meet it too (Compute
embeddings keeps its finished batches, then the model's scores of them fail writing
their cache). While the notice is open they went to the status bar only; once it was
closed, the next one opened a notice again for the same full disk (seen under Xvfb on a
20 MB tmpfs). And a notice left open while the person freed space went on saying "no
space left".

So a full disk told once stays told until the disk of the project is seen to have room
again (:data:`ROOM_AGAIN` more free than when it was told, looked at every
:data:`LOOK_MS` while it is full): until then later full-disk failures go to the status
bar only, the notice open or not. Once there is room the notice still open says so, and
the next full disk is told again.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QMessageBox

ROOM_AGAIN = 8 << 20  # bytes freed since the notice that end it (not a job's own temporary)
LOOK_MS = 2000
ROOM_WORDS = "There is room on the disk again now: try again."


def free_bytes(folder: Path) -> int | None:
    """The free bytes of the disk holding ``folder`` (None: it cannot be asked)."""
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


class FullDiskNotice(QObject):
    """The main window's notice about a full disk (:meth:`told`, :meth:`shown`)."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.notice: QMessageBox | None = None
        self._folder: Path | None = None  # the project folder whose disk was full
        self._free_then: int | None = None  # its free bytes when told (None: not watched)
        self._timer = QTimer(self, interval=LOOK_MS)
        self._timer.timeout.connect(self._look)

    def told(self, folder: Path | None) -> bool:
        """Whether a full disk met now was told already: its notice is open, or the
        disk of ``folder`` (the open project's) has had no room since it was told."""
        if self.notice is not None and self.notice.isVisible():
            return True
        if folder is None or self._free_then is None or folder != self._folder:
            return False
        self._look()
        return self._free_then is not None

    def shown(self, notice: QMessageBox, folder: Path | None) -> None:
        """``notice`` tells a full disk met in ``folder`` (None: no project open; then
        only while it is open does it stand for the later ones)."""
        self.notice, self._folder = notice, folder
        self._free_then = None if folder is None else free_bytes(folder)
        if self._free_then is None:
            self._timer.stop()
        else:
            self._timer.start()

    def _look(self) -> None:
        if self._folder is None or self._free_then is None:
            return
        now = free_bytes(self._folder)
        if now is None or now < self._free_then + ROOM_AGAIN:
            return
        self._timer.stop()
        self._free_then = None  # the next full disk is a new one: told again
        notice = self.notice
        if notice is not None and notice.isVisible() and ROOM_WORDS not in notice.text():
            notice.setText(f"{notice.text()}\n\n{ROOM_WORDS}")
