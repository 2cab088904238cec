"""The full-disk notice watches the disk that the failure it shows found full, handed to
the window with the message (a :class:`~labeldesk.gui.full_disk.FailureText`). It was
looked up in a table of the messages said lately, by their words: two failures in the
same words on two disks named the same disk (the one said last), a message in those
words that carried no disk got one, and the table lived as long as the process."""

from __future__ import annotations

import errno
import os

from PySide6.QtWidgets import QMessageBox

WORDS = "no space left on the disk (a scratch file); free some space and try again"


def _notices(window) -> list[QMessageBox]:
    return [
        b
        for b in window.findChildren(QMessageBox)
        if b.objectName() == "errorNotice" and b.isVisible()
    ]


def _watching(window, message) -> object:
    """The folder the notice for ``message`` watches for room (its notice then closed)."""
    window.notify_error(message)
    [notice] = _notices(window)
    folder = window.full_disk._folder
    notice.close()
    window.full_disk._free_then = None  # (as once there is room again: told anew)
    return folder


def test_two_jobs_failing_in_the_same_words_each_name_their_own_disk(
    qtbot, window, tmp_path, monkeypatch
):
    """Both jobs failed before either was shown (two pages each holding its line): each
    notice watched the disk said last."""
    from labeldesk.core.errors import DiskFull
    from labeldesk.gui import full_disk
    from labeldesk.gui.workers import Job

    monkeypatch.setattr(full_disk, "free_bytes", lambda folder: 1_000)
    said = []
    for name in ("usb", "scratch"):
        disk = tmp_path / name
        disk.mkdir()

        def fill(*, progress, cancel, disk=disk) -> None:
            raise DiskFull(WORDS, disk=disk)

        job = Job(fill, name)
        job.failed.connect(lambda exc, job=job: said.append(job.describe(exc)))
        with qtbot.waitSignal(job.ended, timeout=10_000):
            job.start()
    usb, scratch = said
    assert usb == scratch == WORDS  # the same words
    assert _watching(window, usb) == tmp_path / "usb"  # before: scratch, said last
    assert _watching(window, scratch) == tmp_path / "scratch"
    # the same words said with no disk (a project open: the project's would be watched)
    assert _watching(window, WORDS) is None  # before: scratch, from the other's words


def test_a_failure_reworded_on_its_way_keeps_its_disk(tmp_path):
    from labeldesk.gui.full_disk import FailureText, disk_named, said

    usb = tmp_path / "usb"
    usb.mkdir()
    full = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(usb / "export" / "a.png"))
    line = said("no space left on the disk", full)
    assert disk_named(line.reworded(f"Cross-fit: {line}"), tmp_path) == usb
    assert disk_named(f"Cross-fit: {line}", tmp_path) == tmp_path  # plain text: none
    assert FailureText("x", usb) == "x" and "x" in FailureText("x y", usb)  # the text


def test_a_failure_passed_on_by_a_page_still_names_its_disk(
    qtbot, window, project, tmp_path, monkeypatch
):
    """The drift page's job fails adding images (the copy meets a full USB disk): the
    page says it on its own error signal, which the window hears; the notice watches
    the USB disk, not the project's."""
    from labeldesk.core import add_images

    usb = tmp_path / "usb"
    (usb / "new").mkdir(parents=True)

    def copy(project, folder, rels, batch, progress, cancel):
        target = usb / "new" / ".tmp-1-2-3-a.png"
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))

    monkeypatch.setattr(add_images, "check_source", lambda project, folder: None)
    monkeypatch.setattr(add_images, "copy_unlabeled", copy)
    window.open_project(project.path)
    window.pages.show_drift()
    page = window.pages.drift
    page.folder = usb / "new"
    job = page.add_to_project(["a.png"])
    assert job is not None
    qtbot.waitUntil(lambda: len(_notices(window)) == 1, timeout=10_000)
    notice = _notices(window)[0]
    assert "No space left on the disk" in notice.text()
    assert window.full_disk._folder == usb / "new"  # before the words travelled: project
    notice.close()


def test_a_failure_passed_from_signal_to_signal_keeps_its_disk(qtbot, window, project, tmp_path):
    """The browser's row reads say their failures on their own signal, passed on as the
    view's error signal (a ``Signal(str)`` on the way hands on a plain copy)."""
    from labeldesk.gui.full_disk import FailureText

    usb = tmp_path / "usb"
    usb.mkdir()
    window.open_project(project.path)
    window.view.rows.failed.emit(FailureText(WORDS, usb))
    assert len(_notices(window)) == 1
    assert window.full_disk._folder == usb
    _notices(window)[0].close()
