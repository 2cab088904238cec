"""Import labels that fails on a full disk is told by the window's full-disk notice,
which watches that disk and says when there is room again, as an export's failure is
(tests/gui/test_export_full_disk_notice.py). Before, the failure was said only on the
import form: no notice, no watch, and nothing said once space was freed. The form says it
as the Export form says its own: "Import failed: …", in the same colour (before: the bare
failure, in the form's ordinary text)."""

from __future__ import annotations

from gui.full_disk_forms import assert_notice_watches, run_until_failed

NO_LIMIT = 1073741823


def test_an_import_onto_a_full_disk_opens_the_notice_that_watches_it(
    qtbot, window, project, tmp_path, monkeypatch
):
    from gui.import_forms import label_of, read
    from labeldesk.core import database_failures
    from labeldesk.gui import full_disk, import_dialog
    from labeldesk.gui.import_dialog import ImportDialog
    from labeldesk.gui.job_dialog import ERROR_STYLE

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

    def fill(dialog: ImportDialog) -> None:
        dialog.file.setText(str(labels))
        read(qtbot, dialog)

    monkeypatch.setattr(ImportDialog, "exec", run_until_failed(qtbot, fill, "no space left", forms))
    window.open_project(project.path)
    window.import_labels()

    [form] = forms
    said = form.report_area.text()
    assert said.startswith("Import failed: no space left on the disk holding the project")
    assert form.found.styleSheet() == ERROR_STYLE  # the Export form's failure colour
    assert label_of(window.session.project, "_unlabeled/u0.png") is None  # nothing applied
    # the project database's disk
    assert_notice_watches(
        window, project.path, "Import failed: no space left on the disk holding", free
    )
