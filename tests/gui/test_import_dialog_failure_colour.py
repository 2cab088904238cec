"""The Import form says a file it cannot import from in the failure colour, as the
Export form says the options it cannot use (job_dialog.ERROR_STYLE): a file that could
not be read (not there, not a labels file), a file refused (its labels all empty) and
bad rows not skipped. Before, only a failed import was: these were in the form's
ordinary text, like a report of what Import would do. A file it can import from, or
its bad rows skipped, is said in ordinary text."""

from __future__ import annotations

from gui.import_forms import opened_on, read
from labeldesk.gui.import_dialog import ImportDialog
from labeldesk.gui.job_dialog import ERROR_STYLE


def test_a_file_that_cannot_be_read_is_said_in_the_failure_colour(qtbot, project, tmp_path):
    dialog = ImportDialog(project)
    qtbot.addWidget(dialog)
    dialog.file.setText(str(tmp_path / "no-such.csv"))
    read(qtbot, dialog)
    assert "no-such.csv" in dialog.found.text()
    assert dialog.found.styleSheet() == ERROR_STYLE
    assert not dialog.import_button.isEnabled()

    garbled = opened_on(qtbot, project, tmp_path / "labels.csv", "\x00\x01\x02 not labels\n")
    assert garbled.found.styleSheet() == ERROR_STYLE, garbled.found.text()


def test_a_refused_file_and_bad_rows_are_said_in_the_failure_colour_until_skipped(
    qtbot, project, tmp_path
):
    text = "path,label\ntrain/cat/cat0.jpg,\ntrain/cat/cat1.jpg,\n"  # every label empty
    empty = opened_on(qtbot, project, tmp_path / "empty.csv", text)
    assert "nothing is applied: the label column 'label' is empty" in empty.found.text()
    assert empty.found.styleSheet() == ERROR_STYLE
    empty.empty_labels.setChecked(True)  # "Apply the empty labels": read again, importable
    read(qtbot, empty)
    assert "2 images would change" in empty.found.text()
    assert empty.found.styleSheet() == ""

    text = "path,label\n_unlabeled/u0.png,dog\nno/such.png,cat\n"
    dialog = opened_on(qtbot, project, tmp_path / "bad.csv", text)
    assert "nothing is applied while there are bad rows" in dialog.found.text()
    assert dialog.found.styleSheet() == ERROR_STYLE
    dialog.skip_bad.setChecked(True)  # the bad rows skipped: Import would apply the rest
    assert "the bad rows are skipped" in dialog.found.text()
    assert dialog.found.styleSheet() == ""
    assert dialog.import_button.isEnabled()


def test_a_file_it_can_import_from_is_said_in_ordinary_text(qtbot, project, tmp_path):
    dialog = opened_on(qtbot, project, tmp_path / "good.csv", "path,label\n_unlabeled/u0.png,dog\n")
    assert dialog.found.text().startswith("Read as CSV: 1 row, 1 image would change")
    assert dialog.found.styleSheet() == ""
