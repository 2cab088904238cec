"""What the full-disk notice tests of the export and import forms share: the form run as
the person runs it (its job started, the form's failure line waited for), and the
window's notice found, watching the failure's disk until there is room again."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QMessageBox


def run_until_failed(qtbot, fill: Callable, failed_words: str, forms: list) -> Callable:
    """A stand-in for a dialog's ``exec``: ``fill(dialog)``, then its job, until the form
    says ``failed_words`` (the job's end and the form's are two queued slots)."""

    def run(dialog) -> int:  # the person's Export or Import, then Close
        forms.append(dialog)
        fill(dialog)
        job = dialog.start()
        assert job is not None
        qtbot.waitUntil(
            lambda: not job.running and failed_words in dialog.report_area.text(),
            timeout=20_000,
        )
        return 0

    return run


def notices(window) -> list[QMessageBox]:
    return [
        b
        for b in window.findChildren(QMessageBox)
        if b.objectName() == "errorNotice" and b.isVisible()
    ]


def assert_notice_watches(window, folder: Path, starts: str, free: dict[str, int]) -> None:
    """One notice opened, saying ``starts``…, watching ``folder``'s disk (told once), and
    saying so once the person frees space (``free["bytes"]``: what the disk has)."""
    from labeldesk.gui import full_disk

    [notice] = notices(window)  # before: none; the form alone said it
    assert notice.text().startswith(starts)
    assert window.full_disk._folder == folder
    assert window.full_disk.told(folder)  # a later failure there is not told again
    free["bytes"] += full_disk.ROOM_AGAIN  # the person frees space
    window.full_disk._look()
    assert full_disk.ROOM_WORDS in notice.text()
    notice.close()
