"""An export that fails on a full disk is told by the window's full-disk notice, which
watches that disk and says when there is room again, as for the other jobs' failed
writes. Before, its failure was said only on the export form: no notice, no watch, and
nothing said once space was freed."""

from __future__ import annotations

import errno
import os

from gui.full_disk_forms import assert_notice_watches, run_until_failed


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

    def fill(dialog: ExportDialog) -> None:
        dialog.folder.setText(str(usb / "out"))

    monkeypatch.setattr(ExportDialog, "exec", run_until_failed(qtbot, fill, "Export failed", forms))
    window.open_project(project.path)
    window.export_dataset()

    [form] = forms
    assert form.report_area.text().startswith("Export failed: no space left on the disk")
    # the export's disk (its folder is gone)
    assert_notice_watches(window, usb, "Export failed: no space left on the disk", free)
