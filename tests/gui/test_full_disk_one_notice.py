"""A full disk met by a job and then by the job that follows it gave two notices to
dismiss (seen under Xvfb on a 20 MB tmpfs: Compute embeddings failed, then the model's
scores of the batches it kept failed writing their cache). While a notice about a full
disk is open, another full-disk failure goes to the status bar only; other failures
still get their notice, and after it is closed a full disk gets one again."""

from __future__ import annotations

import errno
import os

from PySide6.QtWidgets import QMessageBox

FIRST = "no space left on the disk: /p/embeddings/x/vectors.f16; free some space"
SECOND = "no space left on the disk: /p/embeddings/x (writing knn-1.npz there); free some"


def _notices(window) -> list[QMessageBox]:
    return [
        b
        for b in window.findChildren(QMessageBox)
        if b.objectName() == "errorNotice" and b.isVisible()
    ]


def test_one_notice_for_a_full_disk(qtbot, window):
    window.show()
    window.notify_error(FIRST)
    window.notify_error(SECOND)
    assert len(_notices(window)) == 1
    assert "knn-1.npz" in window.statusBar().currentMessage()  # still said, in the bar
    window.notify_error("the image folder is gone")  # another failure: its own notice
    assert len(_notices(window)) == 2
    for box in _notices(window):
        box.close()
    window.notify_error(SECOND)  # the notice was closed: the next full disk is told
    assert len(_notices(window)) == 1
    _notices(window)[0].close()


def test_a_full_disk_notice_says_try_again_not_run_the_command():
    from labeldesk.core.failures import describe
    from labeldesk.gui.app_words import in_app_words

    said = describe(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "/p/labeldesk.db"))[0]
    shown = in_app_words(said)
    assert "run the command" not in shown
    assert "free some space and try again (what was saved before is safe)" in shown


class Disk:
    """The project's disk as :func:`labeldesk.gui.full_disk.free_bytes` reads it."""

    def __init__(self) -> None:
        self.free = 40_000

    def __call__(self, folder) -> int:
        return self.free


def test_a_full_disk_told_once_until_there_is_room_again(qtbot, window, project, monkeypatch):
    """The notice closed, the job that followed (the scores of the batches an embedding
    kept) met the same full disk and opened a second one; and a notice left open while
    space was freed still said "no space left"."""
    from labeldesk.gui import full_disk

    disk = Disk()
    monkeypatch.setattr(full_disk, "free_bytes", disk)
    window.open_project(project.path)
    window.notify_error(FIRST)
    _notices(window)[0].close()
    disk.free = 2_000  # the job that follows, the disk still full
    window.notify_error(SECOND)
    assert _notices(window) == []  # no second notice for the same full disk
    assert "knn-1.npz" in window.statusBar().currentMessage()
    window.notify_error("the image folder is gone")  # another failure: its own notice
    assert len(_notices(window)) == 1
    _notices(window)[0].close()

    disk.free = 30 << 20  # the person frees space, the disk fills again
    window.notify_error(FIRST)
    assert len(_notices(window)) == 1  # a new full disk: told
    notice = _notices(window)[0]
    assert full_disk.ROOM_WORDS not in notice.text()
    disk.free += 50 << 20  # freed while the notice is open: it says so, not "no space"
    window.full_disk._timer.setInterval(20)  # (it looks every 2 s)
    qtbot.waitUntil(lambda: full_disk.ROOM_WORDS in notice.text(), timeout=3000)
    assert "vectors.f16" in notice.text().replace("\u200b", "")  # what failed, still said
    notice.close()
    disk.free = 0
    window.notify_error(SECOND)  # full again after there was room: told again
    assert len(_notices(window)) == 1
    _notices(window)[0].close()


def test_room_again_is_looked_for_on_the_disk_that_was_full(
    qtbot, window, project, tmp_path, monkeypatch
):
    """An export to another disk (a USB disk) failed for space: space freed on the
    project's disk made the open notice say there was room again (it watched the project's
    disk whatever the failure named); the disk the failure names is the one watched."""
    from labeldesk.gui import full_disk
    from labeldesk.gui.workers import Job

    usb = tmp_path / "usb"
    usb.mkdir()
    free = {"project": 40_000, "usb": 1_000}
    monkeypatch.setattr(
        full_disk, "free_bytes", lambda f: free["usb" if f.is_relative_to(usb) else "project"]
    )
    window.open_project(project.path)
    failed = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(usb / "export" / "a.png"))
    said = Job(lambda **_: None, "Export").describe(failed)
    window.notify_error(said.reworded(f"Export: {said}"))  # (with the disk it carries)
    notice = _notices(window)[0]
    free["project"] += 50 << 20  # space freed on the project's disk: not the full one
    window.full_disk._look()
    assert full_disk.ROOM_WORDS not in notice.text()
    free["usb"] += 50 << 20
    window.full_disk._look()
    assert full_disk.ROOM_WORDS in notice.text()
    notice.close()


def test_the_disk_is_the_one_the_failure_carries_not_read_from_its_words(tmp_path):
    """The full disk was read back from the message's text: a folder with a ``;`` in its
    name was cut there (the disk above it watched), and a full disk worded otherwise (a
    comparison's scratch file) named none. The exception carries it now."""
    from labeldesk.core.errors import DiskFull
    from labeldesk.gui.full_disk import disk_named
    from labeldesk.gui.workers import write_failure

    project = tmp_path / "project"
    usb = tmp_path / "usb; no space left on the disk: elsewhere"
    usb.mkdir()
    full = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(usb / "export-1" / "a.png"))
    assert disk_named(write_failure(full), project) == usb  # before: tmp_path
    from labeldesk.gui.full_disk import said

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    diff = DiskFull("no space left in the temporary folder …; free some", disk=scratch)
    compared = said(str(diff), diff)
    assert disk_named(compared.reworded(f"Compare: {compared}"), project) == scratch
    denied = OSError(errno.EACCES, os.strerror(errno.EACCES), str(usb / "x"))
    assert disk_named(write_failure(denied), project) == project  # nothing full carried
    gone = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "/no-such/x")
    assert disk_named(write_failure(gone), project) == project  # no folder of it there


def test_a_full_disk_worded_otherwise_is_told_and_watched_where_it_was(qtbot, window, tmp_path):
    """`version diff`'s scratch file in a full temporary folder says "no space left in
    the temporary folder …": not in the words of a full disk, it was not told as one."""
    from labeldesk.core.errors import DiskFull
    from labeldesk.gui.full_disk import said

    window.show()
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    full = DiskFull("no space left in the temporary folder …; free some space", disk=scratch)
    window.notify_error(said(str(full), full))
    assert len(_notices(window)) == 1
    assert window.full_disk._folder == scratch
    window.notify_error(said(str(full), full))  # met again: the status bar only
    assert len(_notices(window)) == 1
    _notices(window)[0].close()
