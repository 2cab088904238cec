"""The import form's result says "Edit → Undo takes them back" only where Edit → Undo
does: of a batch the import wrote. An import that changed nothing wrote none, and the
person's Undo then takes back their change before it, not the import."""

from __future__ import annotations

from gui.import_forms import apply, label_of, opened_on


def _split_of(project, path: str) -> str | None:
    split = project.images().set_index("path").split[path]
    return split if isinstance(split, str) else None


def test_rows_labeled_meanwhile_in_the_browser_change_nothing_and_promise_no_undo(
    qtbot, project, tmp_path
):
    text = "path,label\n_unlabeled/u0.png,dog\n"
    dialog = opened_on(qtbot, project, tmp_path / "labels.csv", text)
    assert "1 image would change" in dialog.found.text()
    project.set_labels({"_unlabeled/u0.png": "dog"})  # as the person labels it by hand
    apply(qtbot, dialog)
    shown = dialog.found.text()
    assert shown.startswith("Nothing changed: the images the file applies to are already")
    assert "Edit → Undo takes them back" not in shown
    # (Undo takes back the hand-labeling: the import wrote no batch of its own)
    assert project.undo().description != "labels from labels.csv (CSV)"
    assert label_of(project, "_unlabeled/u0.png") is None
    dialog.shutdown()


def test_a_re_import_of_what_the_project_holds_promises_no_undo(qtbot, project, tmp_path):
    """Import is off then, but start() (the form's own call) applies nothing either."""
    project.set_labels({"_unlabeled/u0.png": "dog"})
    dialog = opened_on(qtbot, project, tmp_path / "l.csv", "path,label\n_unlabeled/u0.png,dog\n")
    assert "nothing would change" in dialog.found.text()
    apply(qtbot, dialog)
    assert dialog.found.text().startswith("Nothing changed")
    assert "Undo takes them back" not in dialog.found.text()
    dialog.shutdown()


def test_splits_only_are_taken_back_by_undo_as_the_result_says(qtbot, project, tmp_path):
    path = "train/cat/cat0.jpg"
    before = _split_of(project, path)
    assert before != "test"
    text = f"path,label,split\n{path},cat,test\n"  # its label already: the split alone
    dialog = opened_on(qtbot, project, tmp_path / "splits.csv", text)
    apply(qtbot, dialog)
    shown = dialog.found.text()
    assert shown.startswith("1 image changed: 1 split (Edit → Undo takes them back)")
    assert _split_of(project, path) == "test"
    assert project.undo().description == "labels from splits.csv (CSV)"
    assert _split_of(project, path) == before and label_of(project, path) == "cat"
    dialog.shutdown()


def test_labels_applied_are_taken_back_by_undo_as_the_result_says(qtbot, project, tmp_path):
    text = "path,label\n_unlabeled/u0.png,dog\ntrain/cat/cat0.jpg,bird\n"
    dialog = opened_on(qtbot, project, tmp_path / "labels.csv", text)
    dialog.new_classes.setChecked(True)
    qtbot.waitUntil(lambda: "2 images would change" in dialog.found.text(), timeout=10_000)
    apply(qtbot, dialog)
    assert "2 labels applied (Edit → Undo takes them back)" in dialog.found.text()
    project.undo()
    assert label_of(project, "_unlabeled/u0.png") is None
    assert label_of(project, "train/cat/cat0.jpg") == "cat"
    assert "bird" not in project.classes()  # the class it added goes back too
    dialog.shutdown()
