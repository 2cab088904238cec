"""The export dialog writes OUT/<split>/<class>/ with the chosen options; it refuses a
folder that is not an earlier export, with a visible one-line message, and asks before it
replaces an earlier export."""

from __future__ import annotations

import shutil

import pytest
from ml.fake_embeddings import CLASSES, make_clustered_project

from gui.export_pages import export_dialog_over_new_project
from gui.opened_folders import record_opened_folders
from labeldesk.gui.export_dialog import ExportDialog
from labeldesk.interop.export import EXPORTERS


@pytest.fixture
def dialog(qtbot, tmp_path):
    with export_dialog_over_new_project(qtbot, tmp_path) as widget:
        yield widget


def run_export(qtbot, dialog):
    job = dialog.start()
    assert job is not None
    qtbot.waitUntil(lambda: not job.running, timeout=30_000)
    qtbot.waitUntil(lambda: dialog.export_button.isEnabled())
    return job


def test_formats_come_from_the_registry(dialog):
    names = [dialog.format.itemData(i) for i in range(dialog.format.count())]
    assert names == list(EXPORTERS.names())
    # shown by what they are, not the command line's "hf" or "labelstudio"
    shown = dict(zip(names, (dialog.format.itemText(i) for i in range(len(names))), strict=True))
    assert (
        shown["hf"] == "Hugging Face imagefolder" and shown["labelstudio"] == "Label Studio tasks"
    )
    assert all(shown[name] != name for name in names)


def test_export_writes_split_class_folders(qtbot, dialog, tmp_path):
    out = tmp_path / "out"
    dialog.folder.setText(str(out))
    dialog.format.setCurrentIndex(dialog.format.findData("imagefolder"))
    dialog.include_unlabeled.setChecked(True)
    dialog.hardlink.setChecked(True)
    assert dialog.options().link == "hardlink"
    assert "changes the original" in dialog.hardlink.toolTip()  # the hazard, where it is chosen
    run_export(qtbot, dialog)
    assert dialog.report is not None
    for split, per_class in (("train", 30), ("val", 5)):
        for name in CLASSES:
            assert len(list((out / split / name).glob("*.png"))) == per_class
    unlabeled = list(out.glob("*/_unlabeled/*.png")) + list(out.glob("_unlabeled/*.png"))
    assert len(unlabeled) == 10
    assert dialog.report.written == 3 * 35 + 10
    assert "Wrote 115 images" in dialog.message.text()
    assert not dialog.progress.isVisible()


def test_a_folder_that_is_not_an_export_is_never_replaced(qtbot, dialog, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    dialog.folder.setText(str(out))
    dialog.confirm_replace = lambda target: pytest.fail("must not even ask")
    assert dialog.start() is None
    assert dialog.report is None
    assert dialog.message.isVisible()
    assert "not a LabelDesk export" in dialog.message.text()
    assert "Traceback" not in dialog.message.text()
    assert (out / "keep.txt").read_text() == "mine"


@pytest.mark.parametrize("which", ["root", "project", "parent"])
def test_the_image_folder_the_project_and_their_parent_are_refused(dialog, which):
    project = dialog.project
    out = {"root": project.root, "project": project.path, "parent": project.path.parent}[which]
    dialog.folder.setText(str(out))
    assert dialog.start() is None
    said = dialog.message.text()
    assert "LabelDesk" in said or "inside" in said or " itself; " in said
    assert (project.path / "labeldesk.db").exists()
    assert any(project.root.rglob("*.png"))


def test_an_earlier_export_is_replaced_only_when_the_person_agrees(qtbot, dialog, tmp_path):
    out = tmp_path / "out"
    dialog.folder.setText(str(out))
    run_export(qtbot, dialog)
    manifest = out / "labeldesk-export.json"
    first = manifest.stat().st_ino  # the manifest holds no time: same state, same bytes
    asked = []
    dialog.confirm_replace = lambda target: asked.append(target) or False
    assert dialog.start() is None
    assert asked == [out.resolve()]
    assert manifest.stat().st_ino == first
    assert "Nothing was written" in dialog.message.text()

    dialog.confirm_replace = lambda target: True
    run_export(qtbot, dialog)
    assert dialog.report is not None
    assert manifest.stat().st_ino != first  # a new export was put in place
    assert len(list((out / "train" / "ant").glob("*.png"))) == 30
    assert "left out" in dialog.message.text().lower()  # the unlabeled images


def test_an_earlier_export_with_files_added_is_refused_without_asking(qtbot, dialog, tmp_path):
    out = tmp_path / "out"
    dialog.folder.setText(str(out))
    run_export(qtbot, dialog)
    (out / "note.txt").write_text("from the first export")
    dialog.confirm_replace = lambda target: pytest.fail("must not even ask")
    assert dialog.start() is None
    assert "note.txt" in dialog.message.text()
    assert (out / "note.txt").exists()


def test_leave_out_flagged(qtbot, dialog, tmp_path):
    out = tmp_path / "out"
    dialog.folder.setText(str(out))
    dialog.leave_out_flagged.setChecked(True)
    assert dialog.options().include_flagged is False
    run_export(qtbot, dialog)
    assert dialog.report is not None, dialog.message.text()
    assert "flagged" in dialog.report.left_out


def test_leave_out_flagged_is_said_in_the_browsers_words(dialog):
    """The option read "Leave out likely mislabels (flagged issues)": "flagged issues" is
    a word the app uses nowhere else; it names the browser's list of those images."""
    from labeldesk.gui.sidebar import SHOW_TEXT

    text = dialog.leave_out_flagged.text()
    assert "issues" not in text
    assert f"“{SHOW_TEXT['flagged']}”" in text
    assert SHOW_TEXT["flagged"] in dialog.leave_out_flagged.toolTip()


def test_the_shard_row_gives_its_room_back_when_it_hides(qtbot, dialog):
    """Choosing WebDataset shows a shard row and the dialog grows; another format hides
    it and the dialog is as tall as before (no blank gap above the buttons). A dialog the
    person made taller keeps its height."""
    dialog.format.setCurrentIndex(dialog.format.findData("imagefolder"))
    dialog.adjustSize()
    qtbot.wait(10)
    before = dialog.height()
    dialog.format.setCurrentIndex(dialog.format.findData("webdataset"))
    qtbot.waitUntil(lambda: dialog.height() > before)
    assert dialog.extra.shard_size.isVisible()
    dialog.format.setCurrentIndex(dialog.format.findData("csv"))
    qtbot.waitUntil(lambda: dialog.height() == before)
    assert not dialog.extra.shard_size.isVisible()
    dialog.resize(dialog.width(), before + 200)
    qtbot.waitUntil(lambda: dialog.height() == before + 200)
    dialog.format.setCurrentIndex(dialog.format.findData("webdataset"))
    dialog.format.setCurrentIndex(dialog.format.findData("parquet"))
    qtbot.wait(50)
    assert dialog.height() == before + 200


def test_the_report_says_when_statuses_were_not_written():
    from labeldesk.gui.export_dialog import report_text
    from labeldesk.interop.writing import ExportReport

    report = ExportReport("/tmp/out", "imagefolder", written=5, statuses_not_written=2)
    text = report_text(report)
    assert "2 verified or excluded images were written without their status" in text
    assert "the ImageFolder format has no place for it" in text  # as the dialog names it


def test_the_report_names_the_version_it_wrote():
    """Exporting a version (Dataset versions → Export this version…) said "Wrote 412
    images (test 100, train 312) to …", as an export of the labels now does."""
    from labeldesk.gui.export_dialog import report_text
    from labeldesk.interop.writing import ExportReport

    split = {"test": 100, "train": 312}
    report = ExportReport("/o", "csv", written=412, per_split=split, version="v1 after queue")
    said = "Wrote 412 images of version 'v1 after queue' (test 100, train 312) to /o."
    assert report_text(report).startswith(said)
    report = ExportReport("/o", "csv", written=3, version="v2", since="v1")
    assert report_text(report).startswith(
        "Wrote 3 images of version 'v2' changed since version 'v1' to /o."
    )
    now = ExportReport("/o", "csv", written=3, per_split={"train": 3})
    assert report_text(now).startswith("Wrote 3 images (train 3) to /o.")  # the labels now


def test_the_report_says_when_gifs_were_written_as_png():
    from labeldesk.gui.export_dialog import report_text
    from labeldesk.interop.writing import ExportReport

    report = ExportReport("/tmp/out", "imagefolder", written=5, gif_as_png=["train/a/b.png"])
    assert "\n1 GIF image written as PNG (the first frame;" in report_text(report)


def test_an_error_about_what_was_typed_goes_when_it_is_changed(qtbot, dialog, tmp_path):
    dialog.folder.setText(str(tmp_path / "out"))
    dialog.extra.class_map.setText("nonsense")
    assert dialog.start() is None
    assert "OLD=NEW" in dialog.message.text()
    dialog.extra.class_map.clear()
    assert dialog.message.text() == ""


def test_a_long_report_grows_the_dialog_instead_of_squeezing_its_rows(qtbot, dialog):
    dialog.adjustSize()
    qtbot.wait(10)
    before = dialog.height()
    dialog._show_message("\\n".join(f"line {n} of a long report" for n in range(8)))
    assert dialog.height() > before
    boxes = [dialog.extra.include_excluded, dialog.extra.include_unlabeled]
    assert all(box.height() >= box.sizeHint().height() for box in boxes)


def test_the_report_counts_failed_and_missing_images_as_left_out():
    """It said nothing of them under "Left out" (and nothing at all of missing ones)."""
    from labeldesk.gui.export_dialog import report_text
    from labeldesk.interop.writing import ExportReport

    failed = [{"path": "cat/a.png", "reason": "No such file or directory"}]
    report = ExportReport("/tmp/out", "imagefolder", written=1, failed=failed)
    text = report_text(report)
    assert text.startswith("Wrote 1 image to /tmp/out.")
    assert "Left out: 1 failed." in text and "1 image could not be read" in text
    missing = [{"path": "cat/b.png", "reason": "removed from the folder since"}]
    report = ExportReport("/tmp/out", "imagefolder", written=4, missing=missing)
    report.left_out["unlabeled"] = 3
    text = report_text(report)
    assert "Left out: 3 unlabeled, 1 missing." in text
    assert "1 image of the version was not written, as its file is gone or changed since" in text
    assert "under missing): cat/b.png (removed from the folder since)." in text


def test_the_report_says_which_val_and_test_images_have_a_copy_in_train(qtbot, tmp_path):
    """The same sentence as the command line's, pointing at Statistics' leaking groups."""
    import shutil

    from helpers import make_imagefolder

    from labeldesk.core.create import create_and_index

    root = tmp_path / "images"
    make_imagefolder(root)
    shutil.copy(root / "train/cat/cat0.jpg", root / "test/cat/copy.jpg")
    project, _ = create_and_index(tmp_path / "proj", root, workers=1)
    widget = ExportDialog(project)
    qtbot.addWidget(widget)
    widget.show()
    try:
        widget.folder.setText(str(tmp_path / "out"))
        run_export(qtbot, widget)
        assert widget.report is not None, widget.message.text()
        text = widget.message.text()
        assert (
            "\nLeakage: 1 of the 9 val/test images (test 1) has a copy in train (1 exact copy): "
            "a model trained on this export would be tested on a picture it trained on; "
            "Statistics (Ctrl+T) shows the copies under Leaking groups; checked: exact copies "
            "only, not near duplicates (the images have no embeddings: use Tools → Compute "
            "embeddings (Ctrl+E) and export again)."
        ) in text
        assert (tmp_path / "out/test/cat/copy.jpg").is_file()  # written all the same
    finally:
        widget.shutdown()
        project.close()


def test_the_report_says_how_to_get_near_duplicates_checked():
    from labeldesk.gui.export_dialog import report_text
    from labeldesk.interop.export_leaks import NO_SEARCH
    from labeldesk.interop.writing import ExportReport

    leakage = {
        "checked": ["exact"], "images": 0, "exact": 0, "near": None,
        "near_not_checked": NO_SEARCH, "per_split": {}, "held_out": 30, "paths": [],
    }  # fmt: skip
    text = report_text(ExportReport("/tmp/out", "imagefolder", written=90, leakage=leakage))
    assert text.endswith(
        "\nLeakage: no val/test image (30 written) has a copy in train; checked: exact copies "
        "only, not near duplicates (no duplicate search since images were last embedded, moved "
        "or removed: open Statistics (Ctrl+T) once and export again)."
    )


def test_the_report_says_how_to_get_near_duplicates_of_unembedded_images_checked():
    """'checked: exact copies only, not near duplicates (the images have no embeddings)'
    said why, not what to do (seen after exporting a project never embedded)."""
    from labeldesk.gui.export_dialog import report_text
    from labeldesk.interop.export_leaks import NOT_EMBEDDED
    from labeldesk.interop.writing import ExportReport

    leakage = {
        "checked": ["exact"], "images": 0, "exact": 0, "near": None,
        "near_not_checked": NOT_EMBEDDED, "per_split": {}, "held_out": 30, "paths": [],
    }  # fmt: skip
    text = report_text(ExportReport("/tmp/out", "imagefolder", written=90, leakage=leakage))
    assert text.endswith(
        "checked: exact copies only, not near duplicates (the images have no embeddings: use "
        "Tools → Compute embeddings (Ctrl+E) and export again)."
    )
    some = {**leakage, "near": 0, "near_not_checked": None, "not_embedded": 4}
    text = report_text(ExportReport("/tmp/out", "imagefolder", written=90, leakage=some))
    assert text.endswith(
        "checked: exact copies, and near duplicates except for 4 written images without "
        "embeddings (use Tools → Compute embeddings (Ctrl+E) and export again)."
    )


def test_after_an_export_the_dialog_offers_to_open_its_folder(qtbot, dialog, tmp_path, monkeypatch):
    """The report named the folder; there was no way to open it from there."""
    opened = record_opened_folders(monkeypatch)
    assert not dialog.open_button.isVisible()  # nothing exported yet
    out = tmp_path / "out"
    dialog.folder.setText(str(out))
    run_export(qtbot, dialog)
    assert dialog.report is not None
    assert dialog.open_button.isVisible() and dialog.open_button.text() == "Open folder"
    dialog.open_button.click()
    assert opened == [str(out)]
    second = tmp_path / "second"
    dialog.folder.setText(str(second))
    job = dialog.start()
    assert job is not None and not dialog.open_button.isVisible()  # not while one runs
    qtbot.waitUntil(lambda: not job.running, timeout=30_000)
    qtbot.waitUntil(lambda: dialog.export_button.isEnabled())
    dialog.open_button.click()
    assert opened == [str(out), str(second)]  # the folder of the export just made


def test_enter_after_an_export_closes_instead_of_exporting_again(qtbot, dialog, tmp_path):
    """Export stayed the default button, so Enter after an export started another one of
    the same folder (which then asked to replace the export just made)."""
    from PySide6.QtCore import Qt

    asked: list[object] = []
    dialog.confirm_replace = lambda target: asked.append(target) or False
    dialog.folder.setText(str(tmp_path / "out"))
    qtbot.keyClick(dialog.folder, Qt.Key.Key_Return)  # Enter in the form exports
    job = dialog.job
    assert job is not None
    qtbot.waitUntil(lambda: not job.running, timeout=30_000)
    qtbot.waitUntil(lambda: dialog.export_button.isEnabled())
    assert dialog.report is not None
    qtbot.keyClick(dialog.folder, Qt.Key.Key_Return)
    assert dialog.job is job and asked == []  # no second export, no question
    assert not dialog.isVisible()  # Enter closed the dialog
    assert dialog.close_button.isDefault() and not dialog.export_button.isDefault()
    assert dialog.focusWidget() is not dialog.export_button
    dialog.show()
    dialog.folder.setText(str(tmp_path / "second"))  # a new folder: Enter exports again
    assert dialog.export_button.isDefault() and not dialog.close_button.isDefault()
    qtbot.keyClick(dialog.folder, Qt.Key.Key_Return)
    assert dialog.job is not job
    qtbot.waitUntil(lambda: not dialog.job.running, timeout=30_000)


def test_one_status_not_written_reads_as_one_and_names_the_format_plainly():
    from labeldesk.gui.export_dialog import report_text
    from labeldesk.interop.writing import ExportReport

    report = ExportReport("/tmp/out", "imagefolder", written=5, statuses_not_written=1)
    text = report_text(report)
    # was "1 verified or excluded image was written without their status: the
    # ImageFolder: a folder per class format has no place for it"
    assert "1 verified or excluded image was written without its status" in text
    assert "the ImageFolder format has no place for it" in text


def test_the_form_starts_at_the_projects_last_export_folder(qtbot, dialog, tmp_path):
    """The form always started at '<images>-export', whatever folder the project was
    last exported into: it starts there, for that project only, and asks before it
    replaces that export."""
    project = dialog.project
    assert dialog.folder.text() == str(project.root.parent / f"{project.root.name}-export")
    out = tmp_path / "exports" / "pets-v1"
    out.parent.mkdir()
    dialog.folder.setText(str(out))
    run_export(qtbot, dialog)
    dialog.shutdown()

    again = ExportDialog(project)
    qtbot.addWidget(again)
    assert again.folder.text() == str(out.resolve())
    asked = []
    again.confirm_replace = lambda target: asked.append(target) or False
    assert again.start() is None  # the earlier export is not replaced without asking
    assert asked == [out.resolve()] and (out / "labeldesk-export.json").is_file()
    again.shutdown()

    other, _ = make_clustered_project(tmp_path / "other")  # another project: its own default
    try:
        fresh = ExportDialog(other)
        qtbot.addWidget(fresh)
        assert fresh.folder.text() == str(other.root.parent / f"{other.root.name}-export")
        fresh.shutdown()
    finally:
        other.close()

    shutil.rmtree(out.parent)  # the remembered folder's parent is gone: the default again
    gone = ExportDialog(project)
    qtbot.addWidget(gone)
    assert gone.folder.text() == str(project.root.parent / f"{project.root.name}-export")
    gone.shutdown()


def test_the_report_says_whose_flags_left_images_out():
    """Leave out likely mislabels went by the model's flags of now, which for a version
    judge the labels it gave its images: the report said only "1 flagged"."""
    from labeldesk.gui.export_dialog import report_text
    from labeldesk.interop.writing import ExportReport

    left = {"flagged": 3}
    report = ExportReport("/o", "csv", written=5, left_out=left, version="v1", flags_not_judged=2)
    assert (
        "\nLeave out likely mislabels left out the 3 images of version v1 the model flags now: "
        "a version records no flags, so the model of today judged the labels v1 gave them "
        "(exporting v1 again after labels change or a model is trained can leave out "
        "others); 2 images relabeled since v1 were kept, not judged.\n"
    ) in report_text(report) + "\n"
    now = ExportReport("/o", "csv", written=5, left_out=left, flags_not_judged=0)
    assert (
        "\nLeave out likely mislabels left out the 3 images the model flags now (Review "
        "likely mislabels shows them)."
    ) in report_text(now)
    assert "flags now" not in report_text(ExportReport("/o", "csv", written=5, left_out=left))
