"""Dataset versions → Verify an export…: the app checks an export folder against a
version as `labeldesk version P verify NAME OUT` does, in the background, the version
taken from the export's manifest, the result said in plain words."""

from __future__ import annotations

import csv

from PySide6.QtWidgets import QFileDialog

from labeldesk.cli import main
from labeldesk.gui.versions_view import VersionsView


def exported(qtbot, project, tmp_path, fmt="imagefolder"):
    """A view with version v1 recorded, and v1 exported to tmp_path/out; the view and
    the folder."""
    out = tmp_path / "out"
    assert main(["version", str(project.path), "create", "v1"]) == 0
    assert main(["export", str(project.path), str(out), "--format", fmt, "--version", "v1"]) == 0
    view = VersionsView(project)
    qtbot.addWidget(view)
    return view, out


def run_check(qtbot, view, folder):
    job = view.verify(folder)
    assert job is not None
    qtbot.waitUntil(lambda: not job.running, timeout=30000)
    return job


def test_an_export_of_the_version_verifies_and_says_so(qtbot, project, tmp_path, monkeypatch):
    view, out = exported(qtbot, project, tmp_path)
    project.set_label("train/cat/cat0.jpg", "dog")  # later labels change nothing there
    view.refresh()
    asked = []

    def choose(*args, **kwargs):
        asked.append(args[1:])
        return str(out)

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", choose)
    view.table.clearSelection()  # no version picked: the manifest names it
    job = view.prompt_verify()
    assert asked and job is not None
    # (Verify comes back in the page's slot on the job's end, a later one than the job's
    # own that sets running; it is asserted below)
    qtbot.waitUntil(lambda: not job.running and view.verify_button.isEnabled(), timeout=30000)
    dialog = view.verify_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.headline.text() == (
        "✓ This folder is version v1: its 16 images, every file unchanged since it was exported"
    )
    assert str(out) in dialog.folder.text()
    assert not dialog.details.isVisibleTo(dialog)  # nothing more to say than that
    assert not dialog.advice.isVisibleTo(dialog)  # nor anything to do
    dialog.copy_button.click()
    from PySide6.QtGui import QGuiApplication

    copied = QGuiApplication.clipboard().text()
    assert copied.startswith("✓ This folder is version v1") and str(out) in copied
    assert view.verify_button.isEnabled()


def test_a_label_edited_in_the_exports_csv_is_reported(qtbot, project, tmp_path):
    view, out = exported(qtbot, project, tmp_path, fmt="csv")
    table = out / "labels.csv"
    with open(table, newline="") as f:
        rows = list(csv.reader(f))
    column = rows[0].index("label")
    edited = next(r for r in rows[1:] if r[column] == "cat")
    edited[column] = "dog"
    with open(table, "w", newline="") as f:
        csv.writer(f).writerows(rows)
    run_check(qtbot, view, out)
    dialog = view.verify_dialog
    assert dialog is not None
    head = dialog.headline.text()
    assert head.startswith("✗ This folder is not version v1 as exported: ")
    assert "1 file changed since it was exported" in head
    assert "1 label, split or status differs from the version's" in head
    # what to do (it said what differs, not how to have the version back: seen in a
    # walkthrough)
    assert dialog.advice.isVisibleTo(dialog) and dialog.advice.text() == (
        "To have version v1 exactly as it was, select it in the list, press Export this "
        "version… and export it into a new folder."
    )
    assert dialog.advice.text() in dialog.copied_text()
    text = dialog.details.toPlainText()
    assert "labels.csv: edited since it was exported" in text
    assert "labels, splits or statuses in the export that are not the version's (1)" in text


def test_a_folder_that_is_not_an_export_says_so(qtbot, project, tmp_path):
    view = VersionsView(project)
    qtbot.addWidget(view)
    plain = tmp_path / "holiday photos"
    plain.mkdir()
    (plain / "a.txt").write_text("hi")
    errors, messages = [], []
    view.error.connect(errors.append)
    view.message.connect(messages.append)
    run_check(qtbot, view, plain)
    dialog = view.verify_dialog
    assert dialog is not None and errors == []
    assert dialog.headline.text() == "✗ This folder is not a LabelDesk export"
    text = dialog.details.toPlainText()
    assert "holds no LabelDesk export" in text and "labeldesk-export.json" in text
    assert messages[-1] == "✗ This folder is not a LabelDesk export"  # not "Checking…"


def test_cancel_leaves_nothing(qtbot, project, tmp_path):
    view, out = exported(qtbot, project, tmp_path)
    before = sorted((p.relative_to(out), p.stat().st_mtime_ns) for p in out.rglob("*"))
    messages = []
    view.message.connect(messages.append)
    job = view.verify(out)
    assert job is not None and not view.verify_button.isEnabled()
    job.cancel()  # (before its first check: the job bar's Cancel does this)
    # (the button comes back in the page's slot on the job's end, a later one than the
    # job's own that sets running)
    qtbot.waitUntil(lambda: not job.running and view.verify_button.isEnabled(), timeout=30000)
    assert view.verify_dialog is None  # no result shown
    assert "Verifying the export was cancelled: nothing was checked" in messages
    assert sorted((p.relative_to(out), p.stat().st_mtime_ns) for p in out.rglob("*")) == before


def test_the_folder_picker_starts_at_the_projects_last_export(
    qtbot, project, tmp_path, monkeypatch
):
    """It opened at the working directory, though the app remembers where the project was
    last exported (the Export form starts there)."""
    from labeldesk.gui import settings

    view, out = exported(qtbot, project, tmp_path)
    asked = []
    monkeypatch.setattr(
        QFileDialog, "getExistingDirectory", lambda *args: asked.append(args[1:]) or ""
    )
    assert view.prompt_verify() is None  # nothing chosen: nothing checked
    settings.save_last_export_folder(project.path, out)
    assert view.prompt_verify() is None
    assert asked == [
        ("Choose the export folder to verify", ""),
        ("Choose the export folder to verify", str(out.resolve())),
    ]


def test_an_image_added_since_an_export_of_its_day_is_said_so_in_the_headline(
    qtbot, project, imagefolder, tmp_path
):
    """The headline counted an image added to the image folder after an export of the
    labels of its day as "of the project now not in it", as if the export had lost it;
    `labeldesk version verify` says it was added or changed since (its details did too)."""
    import shutil

    root, _ = imagefolder
    out = tmp_path / "out"
    assert main(["export", str(project.path), str(out)]) == 0
    shutil.copyfile(root / "train" / "cat" / "cat0.jpg", root / "test" / "cat" / "a-copy.jpg")
    assert main(["scan", str(project.path)]) == 0
    project.set_label("_unlabeled/u0.png", "dog")  # there all along, labeled only now
    view = VersionsView(project)
    qtbot.addWidget(view)
    run_check(qtbot, view, out)
    dialog = view.verify_dialog
    assert dialog is not None
    assert dialog.headline.text() == (
        "✗ This folder is not the labels as they are now as exported: 1 image added to the "
        "image folder or changed since it was exported; 1 image of the project now not in it; "
        "written from another label state"
    )
    details = dialog.details.toPlainText()
    assert "a-copy.jpg (cat, added to the image folder or changed since the export" in details
