"""File → Import labels: read and checked first, then one undoable batch; the browser
follows through the session's events."""

from __future__ import annotations

import threading
from pathlib import Path

from gui.import_forms import apply, label_of, opened_on, read
from labeldesk.gui.import_dialog import ImportDialog
from labeldesk.gui.session import ProjectSession
from labeldesk.gui.workers import Job


def test_a_json_file_is_said_to_be_read_as_json(qtbot, project, tmp_path):
    f = tmp_path / "labels.json"
    dialog = opened_on(qtbot, project, f, '[{"path": "_unlabeled/u0.png", "label": "dog"}]')
    assert "Read as JSON: 1 row, 1 image would change" in dialog.found.text()


def test_the_formats_are_named_as_a_person_knows_them_not_by_the_commands_names(
    qtbot, project, tmp_path
):
    """The Format list showed "hf", "labelstudio", "imagefolder", and a Label Studio
    export was "Read as labelstudio" (seen in a walkthrough)."""
    import json

    from labeldesk.interop.formats import IMPORTERS

    dialog = ImportDialog(project)
    qtbot.addWidget(dialog)
    shown = [dialog.format.itemText(i) for i in range(1, dialog.format.count())]
    assert [dialog.format.itemData(i) for i in range(1, dialog.format.count())] == list(
        IMPORTERS.names()
    )
    assert "Label Studio JSON export" in shown and "ImageFolder: a folder per class" in shown
    assert not set(shown) & set(IMPORTERS.names())  # no item is a command-line name
    tip = dialog.format.itemData(shown.index("Label Studio JSON export") + 1, 3)  # tooltip
    assert "--format labelstudio" in tip
    choice = {"from_name": "choice", "to_name": "image", "type": "choices",
              "value": {"choices": ["cat"]}}  # fmt: skip
    f = tmp_path / "export.json"
    task = {"data": {"image": "/data/local-files/?d=_unlabeled/u0.png"}}
    f.write_text(json.dumps([{**task, "annotations": [{"result": [choice]}]}]))
    dialog.file.setText(str(f))
    read(qtbot, dialog)
    assert dialog.found.text().startswith("Read as Label Studio: 1 row, 1 image would change")
    apply(qtbot, dialog)
    # listed as an import (the detail panel's history says so), undone as the person's own
    assert project.history("_unlabeled/u0.png")[0].source == "import"
    assert project.undo().description == "labels from export.json (Label Studio)"
    dialog.shutdown()


def test_the_rows_counted_are_the_files_rows_bad_ones_included(qtbot, project, tmp_path):
    """A file of 5 rows, 2 of them unreadable (an empty path, a path out of the folder),
    was "Read as csv: 3 rows" above "3 bad rows" (seen in a walkthrough)."""
    f = tmp_path / "labels.csv"
    text = "path,label\n_unlabeled/u0.png,dog\n,cat\n../../etc/passwd,cat\nnope.png,cat\n"
    dialog = opened_on(qtbot, project, f, text + "_unlabeled/u1.png,cat\n")
    found = dialog.found.text()
    assert found.startswith("Read as CSV: 5 rows, nothing is applied while there are bad rows")
    assert "\n3 bad rows:\n" in found
    dialog.skip_bad.setChecked(True)
    assert dialog.found.text().startswith("Read as CSV: 5 rows, 2 images would change; the bad")
    dialog.shutdown()


def test_a_bad_row_names_the_forms_own_options_not_the_command_lines(qtbot, project, tmp_path):
    f = tmp_path / "labels.csv"
    dialog = opened_on(qtbot, project, f, "path,label\n_unlabeled/u0.png,fox\n")
    text = dialog.found.text()
    assert "  line 2: unknown class 'fox'\n" in text  # once, after the bad rows:
    assert text.endswith(
        "\nAdd the class first (Classes → Add class…), or tick “Allow labels that add "
        "classes” to add it with the labels."
    )
    assert "--new-class" not in text and "classes --add" not in text


def test_a_class_gone_between_the_read_and_import_says_how_to_add_it(qtbot, project, tmp_path):
    """The error of the import itself gives the form's advice too, not a command's."""
    project.add_classes(["fox"])
    f = tmp_path / "labels.csv"
    dialog = opened_on(qtbot, project, f, "path,label\n_unlabeled/u0.png,fox\n")
    assert "1 image would change" in dialog.found.text()
    project.remove_class("fox")  # (another window)
    apply(qtbot, dialog)
    text = dialog.found.text()
    assert "line 2: unknown class 'fox'" in text and label_of(project, "_unlabeled/u0.png") is None
    assert text.endswith(
        "Add the class first (Classes → Add class…), or tick “Allow labels that add "
        "classes” to add it with the labels."
    )
    dialog.shutdown()


def test_a_bad_row_is_shown_and_nothing_applied_until_skipping(qtbot, project, tmp_path):
    f = tmp_path / "labels.csv"
    dialog = opened_on(qtbot, project, f, "path,label\n_unlabeled/u0.png,dog\nnope.png,cat\n")
    # checked against the project before Import: the missing image is a bad row now
    assert "Read as CSV: 2 rows, nothing is applied" in dialog.found.text()
    assert "line 3: 'nope.png' is not an image in the project" in dialog.found.text()
    dialog.skip_bad.setChecked(True)
    assert "1 image would change; the bad rows are skipped" in dialog.found.text()
    assert dialog.import_button.isEnabled()
    dialog.skip_bad.setChecked(False)
    assert not dialog.import_button.isEnabled()  # it would apply nothing
    apply(qtbot, dialog)
    assert "line 3" in dialog.found.text() and label_of(project, "_unlabeled/u0.png") is None
    dialog.skip_bad.setChecked(True)
    apply(qtbot, dialog)
    assert "1 label applied" in dialog.found.text() and "line 3" in dialog.found.text()
    assert label_of(project, "_unlabeled/u0.png") == "dog"
    project.undo()
    assert label_of(project, "_unlabeled/u0.png") is None
    dialog.shutdown()


def test_a_file_fixed_after_it_was_read_is_read_again_before_import(qtbot, project, tmp_path):
    """The form lists the bad rows, the person fixes them in an editor and clicks
    Import: the rows read before the fix were once applied (or refused again)."""
    import os

    f = tmp_path / "labels.csv"
    dialog = opened_on(
        qtbot, project, f, "path,label\n_unlabeled/u0.png,dog\n_unlabeled/u1.png,kat\n"
    )
    assert "unknown class 'kat'" in dialog.found.text()  # found before Import
    f.write_text("path,label\n_unlabeled/u0.png,cat\n_unlabeled/u1.png,cat\n")
    st = f.stat()
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))  # a later save
    dialog.skip_bad.setChecked(True)

    assert dialog.start() is None  # not the old rows: the file is read again
    qtbot.waitUntil(lambda: "2 images would change" in dialog.found.text(), timeout=10000)
    apply(qtbot, dialog)
    assert label_of(project, "_unlabeled/u0.png") == "cat"
    assert label_of(project, "_unlabeled/u1.png") == "cat"
    dialog.shutdown()


def test_an_unrecognised_file_says_so_and_import_stays_off(qtbot, project, tmp_path):
    """It said "name its format (hf, parquet, fiftyone, labelstudio, csv, …)", the
    command line's names, which the Format list does not show (seen in a walkthrough):
    it sends the person to that list."""
    f = tmp_path / "labels.bin"
    f.write_bytes(b"\x00\x01\x02")
    dialog = ImportDialog(project)
    qtbot.addWidget(dialog)
    dialog.file.setText(str(f))
    read(qtbot, dialog)
    assert dialog.found.text() == (
        f"{f}: not a label file LabelDesk recognises; if its format is in the Format list, "
        "choose it there"
    )
    assert not dialog.import_button.isEnabled()
    dialog.shutdown()


def test_the_import_takes_the_sessions_exclusive_slot_and_the_view_hears_it(
    qtbot, project, tmp_path
):
    session = ProjectSession(project)
    heard = []
    session.changed.connect(heard.append)
    f = tmp_path / "labels.csv"
    f.write_text("path,label\n_unlabeled/u1.png,cat\n")
    dialog = ImportDialog(project, runner=session.runner, exclusive=session)
    qtbot.addWidget(dialog)
    dialog.file.setText(str(f))
    read(qtbot, dialog)
    gate = threading.Event()
    other = Job(lambda *, progress, cancel: gate.wait(10), "Rescan")
    session.start_exclusive(other, "Rescanning")
    assert dialog.start() is None and "Rescanning" in dialog.found.text()
    gate.set()
    qtbot.waitUntil(lambda: not session.busy, timeout=5000)
    apply(qtbot, dialog)
    qtbot.waitUntil(lambda: bool(heard), timeout=5000)  # from the worker, on the GUI thread
    assert heard[-1].image_ids == tuple(project.ids_for(["_unlabeled/u1.png"]).values())
    dialog.shutdown()
    session.detach()


def test_label_studio_tasks_of_other_images_are_listed_not_fatal(qtbot, project, tmp_path):
    import json

    def task(ref: str, label: str) -> dict:
        result = {"from_name": "choice", "to_name": "image", "type": "choices",
                  "value": {"choices": [label]}}  # fmt: skip
        return {"id": 1, "data": {"image": ref}, "annotations": [{"id": 1, "result": [result]}]}

    tasks = [
        task("/data/local-files/?d=images/_unlabeled/u0.png", "cat"),
        task("/data/local-files/?d=images/elsewhere/zebra.png", "dog"),
        task("/data/upload/3/1a2b3c4d-u1.png", "dog"),  # a file name, no folder
    ]
    dialog = opened_on(qtbot, project, tmp_path / "export.json", json.dumps(tasks))
    assert dialog.format_used == "labelstudio"
    apply(qtbot, dialog)
    text = dialog.found.text()
    assert "2 labels applied" in text and "1 row names no image" in text and "zebra" in text
    assert "1 image was found by file name alone" in text  # u1.png, found in _unlabeled/
    assert label_of(project, "_unlabeled/u0.png") == "cat"
    assert label_of(project, "_unlabeled/u1.png") == "dog"
    dialog.shutdown()


def test_allowing_new_classes_checks_the_rows_again(qtbot, project, tmp_path):
    f = tmp_path / "labels.csv"
    dialog = opened_on(qtbot, project, f, "path,label\n_unlabeled/u0.png,bird\n")
    assert "unknown class 'bird'" in dialog.found.text()
    dialog.new_classes.setChecked(True)
    qtbot.waitUntil(lambda: "1 image would change" in dialog.found.text(), timeout=10000)
    assert "bad row" not in dialog.found.text()
    apply(qtbot, dialog)
    assert label_of(project, "_unlabeled/u0.png") == "bird"
    dialog.shutdown()


def test_the_count_is_of_images_that_would_change_and_a_result_stays(qtbot, project, tmp_path):
    """Rows that repeat the project's labels were counted as images to label, and
    ticking Skip bad rows after an import put the old count back over the result."""
    f = tmp_path / "labels.csv"
    text = "path,label\ntrain/cat/cat0.jpg,cat\ntrain/dog/dog0.jpg,cat\n"
    dialog = opened_on(qtbot, project, f, text)
    assert "1 image would change" in dialog.found.text()
    apply(qtbot, dialog)
    assert "1 label applied" in dialog.found.text()
    dialog.skip_bad.setChecked(True)
    assert "1 label applied" in dialog.found.text()
    assert dialog.start() is None  # applied: Import counts again first, applies nothing
    qtbot.waitUntil(lambda: "nothing would change" in dialog.found.text(), timeout=10000)
    assert not dialog.import_button.isEnabled()
    dialog.shutdown()
    again = opened_on(qtbot, project, tmp_path / "same.csv", text)
    assert "nothing would change" in again.found.text()
    assert not again.import_button.isEnabled()
    again.shutdown()


def test_in_app_words_change_only_what_the_menus_can_do():
    from labeldesk.gui.workers import in_app_words

    assert in_app_words("no embeddings yet: run `labeldesk embed /p` first") == (
        "no embeddings yet: use Tools → Compute embeddings (Ctrl+E) first"
    )
    spaced = "no embeddings yet: run `labeldesk embed C:\\Users\\Jane Doe\\pets` first"
    assert in_app_words(spaced) == (
        "no embeddings yet: use Tools → Compute embeddings (Ctrl+E) first"
    )
    kept = [  # the command line's advice is the right one here
        "run `labeldesk embed /p` here once to check them first",  # not on the cluster
        "run `labeldesk embed --model NAME` again with the model you used",
    ]
    assert [in_app_words(m) for m in kept] == kept
    assert in_app_words("add the class (`labeldesk classes --add`) or relabel them") == (
        "add the class (Classes → Add class…) or relabel them"
    )
    # training's hint names the project and the classes (the CLI puts the path as typed)
    hint = "`labeldesk classes PROJECT --add 'red\\, fox, ant'`"
    assert in_app_words(f"add the class ({hint}) or relabel them", Path("/p")) == (
        "add the class (Classes → Add class…) or relabel them"
    )


def test_a_status_column_that_is_not_read_is_said_before_import(qtbot, project, tmp_path):
    f = tmp_path / "labels.csv"
    dialog = opened_on(qtbot, project, f, "path,label,status\n_unlabeled/u0.png,dog,ok\n")
    assert "The status column holds 'ok' (line 2), not verified, excluded or unreviewed" in (
        dialog.found.text()
    )


def test_the_form_says_when_rows_name_a_class_by_its_old_name(qtbot, project, tmp_path):
    project.rename_class("dog", "hound")
    f = tmp_path / "labels.csv"
    dialog = opened_on(qtbot, project, f, "path,label\n_unlabeled/u0.png,dog\n")
    assert "1 image would change" in dialog.found.text()
    assert "is an old name of renamed or merged classes" in dialog.found.text()
    assert "'dog' → 'hound'" in dialog.found.text()
    apply(qtbot, dialog)
    assert label_of(project, "_unlabeled/u0.png") == "hound"
    dialog.shutdown()


def test_a_long_read_shows_its_progress_and_close_stops_it(qtbot, project, tmp_path, monkeypatch):
    """Matching a folder by its bytes reports how far it is; Close cancels the read,
    which now stops between files instead of reading on."""
    import shutil

    from labeldesk.core import label_content

    monkeypatch.setattr(label_content, "PROGRESS_EVERY", 1)
    started, release = threading.Event(), threading.Event()
    real = label_content._digest

    def slow_digest(*args):
        started.set()
        release.wait(10)
        return real(*args)

    monkeypatch.setattr(label_content, "_digest", slow_digest)
    folder = tmp_path / "sorted"
    shutil.copytree(project.root / "train", folder)
    dialog = ImportDialog(project)
    qtbot.addWidget(dialog)
    dialog.file.setText(str(folder))
    dialog._read_timer.stop()  # read now, once
    job = dialog.read()
    assert job is not None
    qtbot.waitUntil(started.is_set, timeout=10000)
    release.set()  # one file at a time from here
    qtbot.waitUntil(lambda: "matching files by their bytes:" in dialog.found.text(), timeout=10000)
    assert "of 8 (Close stops it)" in dialog.found.text()
    qtbot.waitUntil(lambda: not job.running, timeout=10000)
    started.clear()
    release.clear()
    job = dialog.read()
    qtbot.waitUntil(started.is_set, timeout=10000)
    threading.Timer(0.3, release.set).start()  # (shutdown waits for the dialog's thread)
    dialog.shutdown()  # what Close does
    qtbot.waitUntil(lambda: not job.running, timeout=10000)
    assert job.token.cancelled and job.result is None  # stopped, not read to the end


def test_a_file_of_no_rows_says_so_and_cannot_be_imported(qtbot, project, tmp_path):
    """A CSV cut down to its header read as "nothing would change", as if the project
    held its labels already."""
    dialog = opened_on(qtbot, project, tmp_path / "labels.csv", "path,label\n")
    assert "the file has no rows" in dialog.found.text()
    assert not dialog.import_button.isEnabled()
    dialog.shutdown()


def test_the_result_counts_the_labels_the_file_removes(qtbot, project, tmp_path):
    """A label cell of only spaces unlabels its image: the result says how many."""
    text = "path,label\ntrain/cat/cat0.jpg, \n_unlabeled/u0.png,dog\n"
    dialog = opened_on(qtbot, project, tmp_path / "labels.csv", text)
    apply(qtbot, dialog)
    shown = dialog.found.text()
    assert "1 label applied, 1 label removed (rows with an empty label)" in shown
    assert label_of(project, "train/cat/cat0.jpg") is None
    dialog.shutdown()


def test_the_preview_counts_the_labels_the_file_would_remove(qtbot, project, tmp_path):
    """Before Import, the form says a label would be taken away, as the result does."""
    text = "path,label\ntrain/cat/cat0.jpg, \n_unlabeled/u0.png,dog\n"
    dialog = opened_on(qtbot, project, tmp_path / "labels.csv", text)
    shown = dialog.found.text()
    assert "2 images would change, 1 label removed (rows with an empty label)" in shown
    assert label_of(project, "train/cat/cat0.jpg") == "cat"  # nothing applied yet
    dialog.shutdown()


def test_the_dialog_grows_to_show_the_report(qtbot, project, tmp_path):
    """The result's lines are shown in full: the dialog grows, its rows keep their size."""
    rows = "".join(f"nowhere/x{i}.jpg,dog\n" for i in range(12))
    f = tmp_path / "labels.csv"
    f.write_text("path,label\n_unlabeled/u0.png,dog\n" + rows)
    dialog = ImportDialog(project)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    before = dialog.height()
    edit_height = dialog.file.height()
    dialog.file.setText(str(f))
    read(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.height() > before, timeout=5000)
    assert dialog.file.height() == edit_height
    # every line shown at the width it has (its size hint is for a narrower one)
    assert dialog.found.height() >= dialog.found.heightForWidth(dialog.found.width())
    dialog.shutdown()
