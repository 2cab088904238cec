"""After an export, changing the folder or the format left its report and *Open folder*
(which opened the old folder) on screen as if of the export the form now describes; the
report now says it is of the previous export and Open folder goes, until the folder and
the format are the export's again."""

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
