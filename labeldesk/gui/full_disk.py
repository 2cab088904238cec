"""One notice for one full disk, and never one that still says so once there is room.

A job that fails on a full disk is often followed by others that meet it too (Compute
embeddings keeps its finished batches, then the model's scores of them fail writing
their cache). While the notice is open they went to the status bar only; once it was
closed, the next one opened a notice again for the same full disk (seen under Xvfb on a
20 MB tmpfs). And a notice left open while the person freed space went on saying "no
space left".

So a full disk told once stays told until that disk is seen to have room again
(:data:`ROOM_AGAIN` more free than when it was told, looked at every :data:`LOOK_MS`
while it is full): until then later full-disk failures on it go to the status bar only,
the notice open or not. Once there is room the notice still open says so, and the next
full disk is told again. The disk watched is the one the failure names (an export to a
USB disk: that disk, not the project's, whose freed space would make the notice say
"room again" untruly), else the project's (:func:`disk_named`): the one its exception
carries (:func:`said`), not read back from the message's text.
"""

from __future__ import annotations

import shutil
from collections import deque
from pathlib import Path

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QMessageBox

from labeldesk.core.failures import full_disk_of

ROOM_AGAIN = 8 << 20  # bytes freed since the notice that end it (not a job's own temporary)
LOOK_MS = 2000
ROOM_WORDS = "There is room on the disk again now: try again."


def free_bytes(folder: Path) -> int | None:
    """The free bytes of the disk holding ``folder`` (None: it cannot be asked)."""
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


# The disks that failures said lately were full, by the words the app said them in:
# the words travel (a page's error signal carries text), the disk is the exception's
_SAID: deque[tuple[str, Path]] = deque(maxlen=32)


def said(message: str, exc: BaseException) -> str:
    """``message``, what the app says for ``exc``, remembered with the disk ``exc``
    carries as full (:func:`labeldesk.core.failures.full_disk_of`), if any, for
    :func:`disk_named` when the message comes to be shown."""
    place = full_disk_of(exc)
    if place is not None and message:
        _SAID.append((message, place))
    return message


def disk_named(message: str, project: Path | None) -> Path | None:
    """A folder on the disk that the failure said in ``message`` found full (as
    :func:`said` remembered it: never read from the text, where a path with a ``;`` in it
    or the words of a full disk would mislead): the nearest existing folder of the place
    it carries (an export's folder is gone after it failed), not the root; else
    ``project`` (the open project's folder, or None)."""
    for words, place in reversed(_SAID):
        if words in message:
            for folder in (place, *place.parents[:-1]):
                if place.is_absolute() and folder.is_dir():
                    return folder
            break
    return project


def carries_full_disk(message: str) -> bool:
    """Whether ``message`` is one :func:`said` remembered with a full disk (a full disk
    worded in a way of its own, as a comparison's scratch file says it)."""
    return any(words in message for words, _ in _SAID)


def _same_disk(one: Path, other: Path) -> bool:
    try:
        return one.stat().st_dev == other.stat().st_dev
    except OSError:
        return one == other


class FullDiskNotice(QObject):
    """The main window's notice about a full disk (:meth:`told`, :meth:`shown`)."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.notice: QMessageBox | None = None
        self._folder: Path | None = None  # a folder on the disk that was full
        self._free_then: int | None = None  # its free bytes when told (None: not watched)
        self._timer = QTimer(self, interval=LOOK_MS)
        self._timer.timeout.connect(self._look)

    def told(self, folder: Path | None) -> bool:
        """Whether a full disk met now was told already: its notice is open, or the
        disk of ``folder`` (the one the failure names: :func:`disk_named`) is the one told
        and has had no room since."""
        if self.notice is not None and self.notice.isVisible():
            return True
        if folder is None or self._free_then is None or self._folder is None:
            return False
        if not _same_disk(folder, self._folder):
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
