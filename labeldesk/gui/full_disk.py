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
carries, handed to the window with the message (:class:`FailureText`), not read back
from the message's text.
"""

from __future__ import annotations

import shutil
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


class FailureText(str):
    """What the app says for an expected failure, with a place on the disk that the
    failure found full (:func:`labeldesk.core.failures.full_disk_of`; None: it named
    none), for the window's notice to watch (:func:`disk_named`).

    It is the text itself: a status line, a notice or a label takes it as it is. The
    disk travels with it, through the error signals (``Signal(object)``: a
    ``Signal(str)`` hands on a plain copy) to the window, which reads it there: a table
    of the messages said lately gave two failures in the same words on two disks the
    same disk, and a message reworded on its way none. Text made from it (an f-string,
    a prefix) is plain text: :meth:`reworded` keeps the disk."""

    disk: Path | None

    def __new__(cls, text: str, disk: Path | None = None) -> FailureText:
        made = super().__new__(cls, text)
        object.__setattr__(made, "disk", disk)
        return made

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"a {type(self).__name__} is not changed; make another")

    def __repr__(self) -> str:
        return f"FailureText({str(self)!r}, disk={self.disk!r})"

    def reworded(self, text: str) -> FailureText:
        """``text`` (these words said otherwise: "Cross-fit: …"), with the same disk."""
        return FailureText(text, self.disk)


def said(message: str, exc: BaseException) -> FailureText:
    """``message``, what the app says for ``exc``, with the disk ``exc`` carries as full
    (:func:`labeldesk.core.failures.full_disk_of`), if any."""
    return FailureText(message, full_disk_of(exc))


def disk_named(message: str, project: Path | None) -> Path | None:
    """A folder on the disk that the failure said in ``message`` found full (the
    :class:`FailureText` it came as carries it: never read from the text, where a path
    with a ``;`` in it or the words of a full disk would mislead): the nearest existing
    folder of the place it carries (an export's folder is gone after it failed), not the
    root; else ``project`` (the open project's folder, or None)."""
    place = full_disk_in(message)
    if place is not None:
        for folder in (place, *place.parents[:-1]):
            if place.is_absolute() and folder.is_dir():
                return folder
    return project


def full_disk_in(message: str) -> Path | None:
    """The place ``message`` carries as full, if it came as a :class:`FailureText` that
    carries one (a full disk worded in a way of its own, as a comparison's scratch file
    says it, is one too)."""
    return message.disk if isinstance(message, FailureText) else None


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
