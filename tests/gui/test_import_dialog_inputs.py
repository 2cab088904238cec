"""File → Import labels: what Import applies is always the file named in the form, and
closing the form never waits for the window's other jobs."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt

from labeldesk.gui import import_dialog
from labeldesk.gui.import_dialog import ImportDialog
from labeldesk.gui.session import ProjectSession
from labeldesk.gui.workers import Job


def label_of(project, path):
    label = project.images().set_index("path").label[path]
    return label if isinstance(label, str) else None


def wait_read(qtbot, dialog):
    qtbot.waitUntil(lambda: dialog.rows is not None, timeout=10000)


def test_a_new_path_drops_the_old_files_rows_at_once(qtbot, project, tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("path,label\n_unlabeled/u0.png,dog\n")
    b.write_text("path,label\n_unlabeled/u1.png,cat\n")
    dialog = ImportDialog(project)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.file.setText(str(a))
    wait_read(qtbot, dialog)
    assert dialog.import_button.isEnabled()
    # The file really meant is pasted, and Enter (Import is the default) pressed at once.
    dialog.file.setText(str(b))
    assert dialog.rows is None and not dialog.import_button.isEnabled()
    qtbot.keyClick(dialog.file, Qt.Key.Key_Return)
    assert dialog.start() is None and dialog.apply_job is None
    assert label_of(project, "_unlabeled/u0.png") is None
    wait_read(qtbot, dialog)
    job = dialog.start()
    assert job is not None
    qtbot.waitUntil(lambda: not job.running, timeout=10000)
    assert label_of(project, "_unlabeled/u0.png") is None
    assert label_of(project, "_unlabeled/u1.png") == "cat"
    assert "b.csv" in project.history(limit=1)[0].description
    dialog.shutdown()


def test_a_read_overtaken_by_a_new_path_is_not_used(qtbot, project, tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("path,label\n_unlabeled/u0.png,dog\n")
    b.write_text("path,label\n_unlabeled/u1.png,cat\n")
    dialog = ImportDialog(project)
    qtbot.addWidget(dialog)
    dialog.file.setText(str(a))
    old = dialog.read()
    assert old is not None
    dialog.file.setText(str(b))  # before a.csv's read has been heard of
    qtbot.waitUntil(lambda: not old.running, timeout=10000)
    assert dialog.rows is None or [r.path for r in dialog.rows] == ["_unlabeled/u1.png"]
    wait_read(qtbot, dialog)
    assert "1 row, 1 image would change" in dialog.found.text()
    job = dialog.start()
    assert job is not None
    qtbot.waitUntil(lambda: not job.running, timeout=10000)
    assert label_of(project, "_unlabeled/u0.png") is None
    dialog.shutdown()


def test_closing_does_not_wait_for_the_windows_other_jobs(qtbot, project):
    session = ProjectSession(project)
    gate, done = threading.Event(), threading.Event()

    def other_job(*, progress, cancel):  # e.g. the browser's insights, on the shared pool
        gate.wait(30)
        done.set()

    job = session.start(Job(other_job, "Insights"))
    dialog = ImportDialog(project, runner=session.runner, exclusive=session)
    qtbot.addWidget(dialog)
    releaser = threading.Timer(3.0, gate.set)  # the old code waited for this to run
    releaser.start()
    dialog.shutdown()
    assert not done.is_set(), "closing the dialog waited for an unrelated job"
    gate.set()
    releaser.cancel()
    qtbot.waitUntil(lambda: not job.running, timeout=10000)
    session.close()


def test_the_form_stays_open_while_its_labels_are_written(qtbot, project, tmp_path, monkeypatch):
    gate = threading.Event()
    real = import_dialog.apply_label_rows

    def slow_apply(*args, **kwargs):
        if not kwargs.get("dry_run"):  # the form's check when it reads stays quick
            gate.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(import_dialog, "apply_label_rows", slow_apply)
    f = tmp_path / "labels.csv"
    f.write_text("path,label\n_unlabeled/u0.png,dog\n")
    dialog = ImportDialog(project)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.file.setText(str(f))
    wait_read(qtbot, dialog)
    job = dialog.start()
    assert job is not None
    assert not dialog.close_button.isEnabled()
    dialog.reject()  # Escape
    assert dialog.isVisible()
    gate.set()
    # (Close comes back in the dialog's slot on the job's end, a later one than the
    # job's own that sets running)
    qtbot.waitUntil(lambda: not job.running and dialog.close_button.isEnabled(), timeout=10000)
    assert "1 label applied" in dialog.found.text()
    dialog.reject()
    assert not dialog.isVisible()
    dialog.shutdown()
