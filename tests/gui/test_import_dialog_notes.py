"""What `labeldesk import` says of a file, the import form says before Import: a column
read by its exact case beside another of its name (``path``/``PATH``), a label column
empty in most rows, rows naming no image here, images found by file name alone, and of a
file read again, that nothing would change and why. A file whose labels are all empty is
refused as the command refuses it, with the same way out as ``--empty-labels``: a box
to tick, after which the form says how many labels would go. Before, the form said
none of this (the notes were the command line's alone), and an all-empty file was
refused with advice to give ``--empty-labels``, which the form had no place for."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import label_studio_uploads

from gui.import_forms import apply, label_of, opened_on, read
from labeldesk.gui.import_dialog import ImportDialog


def test_a_path_column_chosen_by_its_exact_case_is_said(qtbot, project, tmp_path):
    text = "path,PATH,label\ntrain/cat/cat0.jpg,_unlabeled/u0.png,dog\n"
    dialog = opened_on(
        qtbot, project, tmp_path / "labels.csv", text, lambda d: d.path_column.setText("PATH")
    )
    shown = dialog.found.text()
    assert "1 image would change" in shown
    assert (
        "Path column “PATH”: read the column 'PATH', named exactly so, not 'path' (their "
        "names differ only in case)." in shown
    )
    assert "--path-column" not in shown
    dialog.shutdown()


def test_a_label_column_empty_in_most_rows_is_said_before_import(qtbot, project, tmp_path):
    text = "path,label\ntrain/cat/cat0.jpg,\ntrain/cat/cat1.jpg,\n_unlabeled/u0.png,dog\n"
    dialog = opened_on(qtbot, project, tmp_path / "labels.csv", text)
    shown = dialog.found.text()
    assert "3 images would change, 2 labels removed" in shown
    assert (
        "The label column 'label' is empty in 2 of 3 rows: those rows unlabel their images."
        in shown
    )
    assert not dialog.empty_labels.isVisibleTo(dialog)  # (not all empty: no box)
    apply(qtbot, dialog)  # and the result says it again
    assert "is empty in 2 of 3 rows" in dialog.found.text()
    dialog.shutdown()


def test_an_all_empty_label_column_is_refused_with_a_box_to_apply_it(qtbot, project, tmp_path):
    text = "path,label,status\ntrain/cat/cat0.jpg,cat,\ntrain/cat/cat1.jpg,cat,\n"
    dialog = opened_on(
        qtbot, project, tmp_path / "labels.csv", text, lambda d: d.label_column.setText("status")
    )
    shown = dialog.found.text()
    assert shown.startswith("Read as CSV: 2 rows, nothing is applied: the label column 'status'")
    assert "type its name in Label column, or tick “Apply the empty labels”" in shown
    assert "--empty-labels" not in shown and "--label-column" not in shown
    assert dialog.empty_labels.isVisibleTo(dialog) and not dialog.empty_labels.isChecked()
    assert not dialog.import_button.isEnabled()
    assert dialog.start() is None and label_of(project, "train/cat/cat0.jpg") == "cat"

    dialog.empty_labels.setChecked(True)  # reads again, the labels allowed to be empty
    qtbot.waitUntil(lambda: "would change" in dialog.found.text(), timeout=10000)
    shown = dialog.found.text()
    assert "2 images would change, 2 labels removed (rows with an empty label)" in shown
    assert "The label column 'status' is empty in 2 of 2 rows" in shown
    assert dialog.import_button.isEnabled() and dialog.empty_labels.isVisibleTo(dialog)
    apply(qtbot, dialog)
    assert label_of(project, "train/cat/cat0.jpg") is None
    assert label_of(project, "train/cat/cat1.jpg") is None

    other = tmp_path / "other.csv"  # another file: the box was ticked for the last one
    other.write_text("path,label\n_unlabeled/u0.png,\n_unlabeled/u1.png,\n")
    dialog.label_column.setText("")
    dialog.file.setText(str(other))
    assert not dialog.empty_labels.isChecked() and not dialog.empty_labels.isVisibleTo(dialog)
    read(qtbot, dialog)
    assert "nothing is applied" in dialog.found.text()
    assert dialog.empty_labels.isVisibleTo(dialog) and not dialog.import_button.isEnabled()
    dialog.shutdown()


def test_a_json_file_of_null_labels_is_refused_with_the_box(qtbot, project, tmp_path):
    paths = ["train/cat/cat0.jpg", "train/dog/dog0.jpg"]
    dialog = opened_on(qtbot, project, tmp_path / "l.json", json.dumps(dict.fromkeys(paths)))
    shown = dialog.found.text()
    assert "all 2 entries give no label (null or empty)" in shown
    assert "tick “Apply the empty labels” to unlabel them" in shown
    assert dialog.empty_labels.isVisibleTo(dialog) and not dialog.import_button.isEnabled()
    dialog.shutdown()


def test_a_label_studio_export_read_again_says_nothing_would_change(qtbot, project, tmp_path):
    tasks = label_studio_uploads(["u0.png", "u1.png", "elsewhere.png"])
    dialog = opened_on(qtbot, project, tmp_path / "tasks.json", tasks)
    shown = dialog.found.text()
    assert shown.startswith("Read as Label Studio: 3 rows, 2 images would change")
    # said before Import now, as the command's summary says them
    assert "1 row names no image in this project:" in shown and "elsewhere.png" in shown
    assert "2 images were found by file name alone" in shown
    apply(qtbot, dialog)
    assert label_of(project, "_unlabeled/u0.png") == "dog"

    again = ImportDialog(project)
    qtbot.addWidget(again)
    again.file.setText(dialog.file.text())
    read(qtbot, again)
    shown = again.found.text()
    assert shown.startswith(
        "Read as Label Studio: 3 rows, nothing would change (the 2 images it names are "
        "already as it says)"
    )
    assert not again.import_button.isEnabled()
    dialog.shutdown()
    again.shutdown()


def test_a_label_studio_export_of_predictions_alone_points_at_the_box(qtbot, project, tmp_path):
    choice = {"from_name": "choice", "to_name": "image", "type": "choices",
              "value": {"choices": ["dog"]}}  # fmt: skip
    tasks = [
        {"data": {"image": f"/data/local-files/?d=_unlabeled/u{n}.png"},
         "annotations": [], "predictions": [{"result": [choice]}]}
        for n in range(2)
    ]  # fmt: skip
    dialog = opened_on(qtbot, project, tmp_path / "tasks.json", json.dumps(tasks))
    shown = dialog.found.text()
    assert "none of its 2 tasks has an annotation with a choice" in shown
    assert "tick “Use the model's predictions, not the annotations” to read them" in shown
    dialog.predictions.setChecked(True)
    qtbot.waitUntil(lambda: "2 images would change" in dialog.found.text(), timeout=10000)
    dialog.shutdown()


def test_the_found_by_name_line_reads_the_same_before_and_after_import(qtbot, project, tmp_path):
    """Before Import the line ended with a full stop, after it (the result) without."""
    tasks = label_studio_uploads(["u0.png", "u1.png"])
    dialog = opened_on(qtbot, project, tmp_path / "tasks.json", tasks)
    [before] = [line for line in dialog.found.text().splitlines() if "by file name" in line]
    apply(qtbot, dialog)
    shown = dialog.found.text()
    assert shown.startswith("2 labels applied")
    [after] = [line for line in shown.splitlines() if "by file name" in line]
    assert after == before and after.endswith("check those images.")
    dialog.shutdown()


def test_a_file_matching_no_usable_image_says_plainly_that_nothing_would_change(
    qtbot, project, tmp_path
):
    # (before: "nothing would change (the 0 images it names are already as it says)")
    (Path(project.root) / "_unlabeled" / "notes.jpg").write_text("not an image\n" * 20)
    project.scan()
    dialog = opened_on(qtbot, project, tmp_path / "l.csv", "path,label\n_unlabeled/notes.jpg,cat\n")
    shown = dialog.found.text()
    assert shown.startswith("Read as CSV: 1 row, nothing would change\n"), shown
    assert "already" not in shown
    dialog.shutdown()


def test_skipped_bad_rows_are_not_counted_as_already_as_it_says(qtbot, project, tmp_path):
    text = "path,label\ntrain/cat/cat0.jpg,cat\nnowhere/a.png,cat\nnowhere/b.png,dog\n"
    dialog = opened_on(
        qtbot, project, tmp_path / "l.csv", text, lambda d: d.skip_bad.setChecked(True)
    )
    shown = dialog.found.text()
    assert shown.startswith(
        "Read as CSV: 3 rows, nothing would change (the 1 image it applies to is already "
        "as it says); the bad rows are skipped"
    ), shown
    dialog.shutdown()
