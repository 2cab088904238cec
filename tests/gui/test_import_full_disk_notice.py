"""Import labels that fails on a full disk is told by the window's full-disk notice,
which watches that disk and says when there is room again, as an export's failure is
(tests/gui/test_export_full_disk_notice.py). Before, the failure was said only on the
import form: no notice, no watch, and nothing said once space was freed."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

NO_LIMIT = 1073741823


def _notices(window) -> list[QMessageBox]:
    return [
        b
        for b in window.findChildren(QMessageBox)
        if b.objectName() == "errorNotice" and b.isVisible()
    ]


def test_an_import_onto_a_full_disk_opens_the_notice_that_watches_it(
    qtbot, window, project, tmp_path, monkeypatch
):
    from gui.import_forms import label_of, read
    from labeldesk.core import database_failures
    from labeldesk.gui import full_disk, import_dialog
    from labeldesk.gui.import_dialog import ImportDialog

    free = {"bytes": 1_000}
    # the disk is full as the project database's failure looks at it (not a file-size limit)
    monkeypatch.setattr(database_failures, "LOW_SPACE", 1 << 62)
    monkeypatch.setattr(full_disk, "free_bytes", lambda folder: free["bytes"])
    rows = "".join(f"_unlabeled/u{i}.png,dog\n" for i in range(3))
    labels = tmp_path / "labels.csv"
    labels.write_text("path,label\n" + rows)
    forms: list[ImportDialog] = []

    def fills_up(project, rows, **kw):  # the import's write meets a full disk:
        conn = project.db.conn  # no page more, SQLite answers SQLITE_FULL
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count={pages}")
        try:  # (more than the page cache holds, as a big import spills pages)
            project.db.set_meta("note", "x" * 200_000)
            return real(project, rows, **kw)
        finally:
            conn.execute(f"PRAGMA max_page_count={NO_LIMIT}")

    real = import_dialog.apply_label_rows
    monkeypatch.setattr(import_dialog, "apply_label_rows", fills_up)

    def run_import(dialog: ImportDialog) -> int:  # the person's Import, then Close
        forms.append(dialog)
        dialog.file.setText(str(labels))
        read(qtbot, dialog)
        job = dialog.start()
        assert job is not None
        # (the job's end and the form's are two queued slots: wait for the form's)
        qtbot.waitUntil(
            lambda: not job.running and "no space left" in dialog.report_area.text(), timeout=20_000
        )
        return 0

    monkeypatch.setattr(ImportDialog, "exec", run_import)
    window.open_project(project.path)
    window.import_labels()

    [form] = forms
    assert form.report_area.text().startswith("no space left on the disk holding the project")
    [notice] = _notices(window)  # before: none; the form alone said it
    assert notice.text().startswith("Import failed: no space left on the disk holding")
    assert window.full_disk._folder == project.path  # the project database's disk
    assert window.full_disk.told(project.path)  # a later failure there is not told again
    assert label_of(window.session.project, "_unlabeled/u0.png") is None  # nothing applied
    free["bytes"] += full_disk.ROOM_AGAIN  # the person frees space
    window.full_disk._look()
    assert full_disk.ROOM_WORDS in notice.text()
    notice.close()
