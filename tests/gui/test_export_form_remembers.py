"""The export form starts with the format and options the project's last export used,
not only its folder: a person exporting WebDataset shards of 500 with new splits, every
week, chose the format, the shard size and the splits again each time (the form
started at ImageFolder, copy, 80/10/10 whatever was chosen before). Per project: another
project's form starts as it always did."""

from __future__ import annotations

from ml.fake_embeddings import make_clustered_project

from labeldesk.gui import settings
from labeldesk.gui.export_dialog import ExportDialog


def new_form(qtbot, project) -> ExportDialog:
    form = ExportDialog(project)
    qtbot.addWidget(form)
    return form


def test_the_form_starts_with_the_last_exports_format_and_options(qtbot, tmp_path):
    project, _ = make_clustered_project(tmp_path)
    other, _ = make_clustered_project(tmp_path / "other")
    try:
        form = new_form(qtbot, project)
        fresh = form.options()  # what a new form starts with
        form.folder.setText(str(tmp_path / "shards"))
        form.format.setCurrentIndex(form.format.findData("webdataset"))
        form.hardlink.setChecked(True)
        form.include_unlabeled.setChecked(True)
        form.leave_out_flagged.setChecked(True)
        form.extra.class_map.setText("ant=insect, bee=insect")
        form.extra.make_splits.setChecked(True)
        form.extra.split_shares.setText("70/15/15")
        form.extra.seed.setValue(7)
        form.extra.shard_size.setValue(500)
        chosen = form.options()
        job = form.start()
        assert job is not None
        qtbot.waitUntil(lambda: not job.running, timeout=30_000)
        assert form.report is not None
        form.shutdown()

        again = new_form(qtbot, project)
        assert again.format.currentData() == "webdataset"
        assert again.extra.shard_size.isVisibleTo(again)  # its row, as for a format chosen
        assert again.options() == chosen
        assert again.extra.split_shares.isEnabled()
        again.shutdown()

        elsewhere = new_form(qtbot, other)  # another project: its own (none yet)
        assert elsewhere.format.currentData() == "imagefolder"
        assert elsewhere.options() == fresh
        elsewhere.shutdown()
    finally:
        project.close()
        other.close()


def test_choices_that_cannot_be_read_leave_the_form_as_it_starts(qtbot, project, tmp_path):
    settings.save_last_export_folder(
        project.path,
        tmp_path / "out",
        {"format": "nonesuch", "link": "teleport", "seed": "-3", "shard_size": "many",
         "make_splits": "perhaps", "include_unlabeled": "true"},
    )  # fmt: skip
    form = new_form(qtbot, project)
    assert form.format.currentData() == "imagefolder"
    assert form.copy.isChecked() and not form.extra.make_splits.isChecked()
    assert form.extra.seed.value() == 0 and form.extra.shard_size.value() == 10_000
    assert form.include_unlabeled.isChecked()  # the one that could be read
    form.shutdown()
