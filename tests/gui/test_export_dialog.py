"""The export dialog writes OUT/<split>/<class>/ with the chosen options, and refuses an
existing folder without overwrite with a visible one-line message."""

from __future__ import annotations

import pytest
from ml.fake_embeddings import CLASSES, make_clustered_project

from labeldesk.gui.export_dialog import ExportDialog
from labeldesk.interop.export import EXPORTERS


@pytest.fixture
def dialog(qtbot, tmp_path):
    project, _ = make_clustered_project(tmp_path)
    widget = ExportDialog(project)
    qtbot.addWidget(widget)
    widget.show()
    yield widget
    widget.shutdown()
    project.close()


def run_export(qtbot, dialog):
    job = dialog.start()
    assert job is not None
    qtbot.waitUntil(lambda: not job.running, timeout=30_000)
    qtbot.waitUntil(lambda: dialog.export_button.isEnabled())
    return job


def test_formats_come_from_the_registry(dialog):
    names = [dialog.format.itemData(i) for i in range(dialog.format.count())]
    assert names == list(EXPORTERS.names())


def test_export_writes_split_class_folders(qtbot, dialog, tmp_path):
    out = tmp_path / "out"
    dialog.folder.setText(str(out))
    dialog.format.setCurrentIndex(dialog.format.findData("imagefolder"))
    dialog.include_unlabeled.setChecked(True)
    dialog.hardlink.setChecked(True)
    assert dialog.options().link == "hardlink"
    run_export(qtbot, dialog)
    assert dialog.report is not None
    for split, per_class in (("train", 30), ("val", 5)):
        for name in CLASSES:
            assert len(list((out / split / name).glob("*.png"))) == per_class
    unlabeled = list(out.glob("*/_unlabeled/*.png"))
    assert len(unlabeled) == 10
    assert dialog.report.written == 3 * 35 + 10
    assert "Wrote 115 images" in dialog.message.text()
    assert not dialog.progress.isVisible()


def test_existing_folder_needs_overwrite(qtbot, dialog, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    dialog.folder.setText(str(out))
    run_export(qtbot, dialog)
    assert dialog.report is None
    assert dialog.message.isVisible()
    assert "already exists" in dialog.message.text()
    assert "Traceback" not in dialog.message.text()
    assert (out / "keep.txt").exists()

    dialog.overwrite.setChecked(True)
    run_export(qtbot, dialog)
    assert dialog.report is not None
    assert not (out / "keep.txt").exists()
    assert len(list((out / "train" / "ant").glob("*.png"))) == 30
    assert "left out" in dialog.message.text().lower()  # the unlabeled images


def test_leave_out_flagged(qtbot, dialog, tmp_path):
    out = tmp_path / "out"
    dialog.folder.setText(str(out))
    dialog.leave_out_flagged.setChecked(True)
    assert dialog.options().include_flagged is False
    run_export(qtbot, dialog)
    assert dialog.report is not None, dialog.message.text()
    assert "flagged" in dialog.report.left_out
