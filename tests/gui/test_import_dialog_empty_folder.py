"""File → Import labels with an empty folder chosen says it is an empty folder and what
the form reads, not "not a label file LabelDesk recognises; if its format is in the
Format list, choose it there" (no format reads a folder that holds nothing)."""

from __future__ import annotations

from labeldesk.gui.import_dialog import ImportDialog


def test_an_empty_folder_is_said_to_be_empty(qtbot, project, tmp_path):
    folder = tmp_path / "labels"
    folder.mkdir()
    dialog = ImportDialog(project)
    qtbot.addWidget(dialog)
    dialog.file.setText(str(folder))
    job = dialog.read()
    assert job is not None
    qtbot.waitUntil(lambda: not job.running, timeout=10000)
    qtbot.waitUntil(lambda: "Reading" not in dialog.found.text(), timeout=5000)
    assert dialog.found.text() == (
        f"{folder} is an empty folder; import reads a label file (CSV, TSV, JSON, JSON "
        "Lines, Parquet, a Label Studio export) or a folder that another tool or a "
        "LabelDesk export wrote (class folders of images, a Hugging Face, FiftyOne or "
        "WebDataset dataset)"
    )
    assert not dialog.import_button.isEnabled()
    dialog.shutdown()
