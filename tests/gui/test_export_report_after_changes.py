"""After an export, changing the folder or the format left its report and *Open folder*
(which opened the old folder) on screen as if of the export the form now describes; the
report now says it is of the previous export and Open folder goes, until the folder and
the format are the export's again. So does any option that changes what is written (the
class map, what to include, the files, new splits: only the folder and the format did)."""

from __future__ import annotations

import pytest
from ml.fake_embeddings import make_clustered_project

from gui.opened_folders import record_opened_folders
from labeldesk.gui.export_dialog import PREVIOUS_EXPORT, ExportDialog


@pytest.fixture
def exported(qtbot, tmp_path, monkeypatch):
    """A dialog that has just exported ImageFolder into tmp_path/out; the folders its
    Open folder opened."""
    opened = record_opened_folders(monkeypatch)
    project, _ = make_clustered_project(tmp_path)
    dialog = ExportDialog(project)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.folder.setText(str(tmp_path / "out"))
    dialog.format.setCurrentIndex(dialog.format.findData("imagefolder"))
    job = dialog.start()
    assert job is not None
    qtbot.waitUntil(lambda: not job.running, timeout=30_000)
    qtbot.waitUntil(lambda: dialog.export_button.isEnabled())
    assert dialog.report is not None, dialog.message.text()
    assert dialog.message.text().startswith("Wrote ") and dialog.open_button.isVisible()
    yield dialog, opened
    dialog.shutdown()
    project.close()


def test_another_folder_makes_the_report_the_previous_exports(exported, tmp_path):
    dialog, opened = exported
    report = dialog.message.text()
    dialog.folder.setText(str(tmp_path / "elsewhere"))
    assert dialog.message.text() == f"{PREVIOUS_EXPORT}\n{report}"
    assert not dialog.open_button.isVisible()
    dialog.open_folder()  # (nor does the slot open the old folder)
    assert opened == []
    dialog.folder.setText(str(tmp_path / "out"))  # back as it was: the report stands
    assert dialog.message.text() == report and dialog.open_button.isVisible()
    dialog.open_button.click()
    assert opened == [str(tmp_path / "out")]


def test_another_format_makes_the_report_the_previous_exports(exported):
    dialog, opened = exported
    report = dialog.message.text()
    dialog.format.setCurrentIndex(dialog.format.findData("csv"))
    assert dialog.message.text() == f"{PREVIOUS_EXPORT}\n{report}"
    assert not dialog.open_button.isVisible()
    dialog.open_folder()
    assert opened == []
    dialog.format.setCurrentIndex(dialog.format.findData("imagefolder"))
    assert dialog.message.text() == report and dialog.open_button.isVisible()


def test_the_same_folder_written_another_way_is_the_same_export(exported, tmp_path):
    """A trailing slash or a ".." on the way names the folder just written."""
    dialog, _ = exported
    report = dialog.message.text()
    dialog.folder.setText(str(tmp_path / "out") + "/")
    assert dialog.message.text() == report and dialog.open_button.isVisible()
    dialog.folder.setText(str(tmp_path / "out" / ".." / "out"))
    assert dialog.message.text() == report and dialog.open_button.isVisible()


def test_an_error_after_the_export_gives_way_to_the_report(exported, tmp_path):
    """An empty folder and Export: the error; a folder typed again: the report, said as
    of the previous export when the folder is another one."""
    dialog, _ = exported
    report = dialog.message.text()
    dialog.folder.setText("")
    assert dialog.start() is None
    assert dialog.message.text() == "Choose an output folder first."
    dialog.folder.setText(str(tmp_path / "new"))
    assert dialog.message.text() == f"{PREVIOUS_EXPORT}\n{report}"
    assert not dialog.open_button.isVisible()


def option_changes(dialog):
    """Each option that changes what the export writes: (name, change it, put it back)."""
    extra = dialog.extra
    boxes = (
        extra.leave_out_flagged,
        extra.leave_out_unverified,
        extra.include_excluded,
        extra.include_unlabeled,
        extra.make_splits,
    )
    for box in boxes:
        was = box.isChecked()
        yield (
            box.text(),
            lambda b=box, w=was: b.setChecked(not w),
            lambda b=box, w=was: b.setChecked(w),
        )
    yield "hard links", lambda: extra.hardlink.setChecked(True), lambda: extra.copy.setChecked(True)
    yield "symlinks", lambda: extra.symlink.setChecked(True), lambda: extra.copy.setChecked(True)
    yield (
        "class map",
        lambda: extra.class_map.setText("a=b"),
        lambda: extra.class_map.setText(""),
    )
    yield (
        "since",
        lambda: extra.since.setCurrentIndex(1),
        lambda: extra.since.setCurrentIndex(0),
    )


def test_any_option_changed_makes_the_report_the_previous_exports(exported):
    """The class map, what to include, the files, the splits: each makes the report the
    previous export's and hides Open folder (only the folder and the format did; a class
    map typed after an export left 'Wrote … to out' and Open folder as they were)."""
    dialog, opened = exported
    report = dialog.message.text()
    dialog.extra.since.addItem("only what changed since v1", "v1")  # (a version to pick)
    for name, change, back in option_changes(dialog):
        change()
        assert dialog.message.text() == f"{PREVIOUS_EXPORT}\n{report}", name
        assert not dialog.open_button.isVisible(), name
        assert dialog.export_button.isDefault(), name  # Enter exports the new choices
        dialog.open_folder()
        assert opened == [], name
        back()
        assert dialog.message.text() == report and dialog.open_button.isVisible(), name


def test_split_shares_and_seed_count_only_with_new_splits(exported):
    dialog, _ = exported
    report = dialog.message.text()
    extra = dialog.extra
    extra.seed.setValue(5)  # (no new splits: the seed changes nothing written)
    assert dialog.message.text() == report and dialog.open_button.isVisible()
    extra.shard_size.setValue(7)  # (ImageFolder has no shards)
    assert dialog.message.text() == report and dialog.open_button.isVisible()
    extra.make_splits.setChecked(True)
    assert dialog.message.text().startswith(PREVIOUS_EXPORT)
    extra.make_splits.setChecked(False)
    extra.seed.setValue(0)
    assert dialog.message.text() == report


def test_options_changed_while_it_ran_make_the_report_the_previous_exports(
    qtbot, tmp_path, monkeypatch
):
    """The form edited while the export runs: the report says it is of the previous
    export once written, and the next form starts as the export was made."""
    from labeldesk.gui import settings

    project, _ = make_clustered_project(tmp_path)
    dialog = ExportDialog(project)
    qtbot.addWidget(dialog)
    dialog.show()
    try:
        dialog.folder.setText(str(tmp_path / "out"))
        job = dialog.start()
        assert job is not None
        dialog.extra.class_map.setText("a=b")
        qtbot.waitUntil(lambda: not job.running, timeout=30_000)
        qtbot.waitUntil(lambda: dialog.export_button.isEnabled())
        assert dialog.report is not None
        assert dialog.message.text().startswith(PREVIOUS_EXPORT)
        assert not dialog.open_button.isVisible()
        assert settings.last_export_choices(project.path)["class_map"] == ""
        dialog.extra.class_map.setText("")
        assert dialog.message.text().startswith("Wrote ") and dialog.open_button.isVisible()
    finally:
        dialog.shutdown()
        project.close()
