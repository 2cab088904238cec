"""An export that fails on a full disk is told by the window's full-disk notice, which
watches that disk and says when there is room again, as for the other jobs' failed
writes. Before, its failure was said only on the export form: no notice, no watch, and
nothing said once space was freed."""

from __future__ import annotations

import errno
import os

from PySide6.QtWidgets import QMessageBox


def _notices(window) -> list[QMessageBox]:
    return [
        b
        for b in window.findChildren(QMessageBox)
        if b.objectName() == "errorNotice" and b.isVisible()
    ]


def test_an_export_onto_a_full_disk_opens_the_notice_that_watches_it(
    qtbot, window, project, tmp_path, monkeypatch
):
    from labeldesk.gui import full_disk
    from labeldesk.gui.export_dialog import ExportDialog
    from labeldesk.interop import placing

    real = placing._copy_new
    copied = 0

    def fills_up(source, dest):
        nonlocal copied
        copied += 1
        if copied == 2:  # part-way, as file.write says it (no file name)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(source, dest)

    free = {"bytes": 1_000}
    monkeypatch.setattr(placing, "_copy_new", fills_up)
    monkeypatch.setattr(full_disk, "free_bytes", lambda folder: free["bytes"])
    usb = tmp_path / "usb"
    usb.mkdir()
    forms: list[ExportDialog] = []

    def run_export(dialog: ExportDialog) -> int:  # the person's Export, then Close
        forms.append(dialog)
        dialog.folder.setText(str(usb / "out"))
        job = dialog.start()
        assert job is not None
        # (the job's end and the form's are two queued slots: wait for the form's)
        qtbot.waitUntil(
            lambda: not job.running and "Export failed" in dialog.report_area.text(), timeout=20_000
        )
        return 0

    monkeypatch.setattr(ExportDialog, "exec", run_export)
    window.open_project(project.path)
    window.export_dataset()

    [form] = forms
    assert form.report_area.text().startswith("Export failed: no space left on the disk")
    [notice] = _notices(window)  # before: none; the form alone said it
    assert notice.text().startswith("Export failed: no space left on the disk")
    assert window.full_disk._folder == usb  # the export's disk (its folder is gone)
    assert window.full_disk.told(usb)  # a later failure there is not told again
    free["bytes"] += full_disk.ROOM_AGAIN  # the person frees space
    window.full_disk._look()
    assert full_disk.ROOM_WORDS in notice.text()
    notice.close()
