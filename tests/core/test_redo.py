"""Redo makes again what an undo took back, as a text editor's does: the person's own
undos since their last change, newest first; the state comes back exactly, and the redo
is a change that undo takes back."""

from __future__ import annotations

import pytest

from labeldesk.core import changes
from labeldesk.core.classes import aliases
from labeldesk.core.errors import NothingToRedoError
from labeldesk.core.labels import SOURCES
from labeldesk.core.redo import (
    pending_redo_batch,
    pending_redo_description,
    pending_redo_size,
    standing_batch,
)


def state(project) -> tuple:
    """Everything an undo or redo may change: labels, statuses, splits, the class list
    in order (the keys) and the old names that lead to classes."""
    rows = project.db.query("SELECT path, label, status, split FROM images ORDER BY path")
    return [tuple(r) for r in rows], project.classes(), aliases(project.db.conn)


def label_of(project, path):
    return project.db.scalar("SELECT label FROM images WHERE path = ?", (path,))


EDITS = {
    "label": lambda p: p.set_labels({"_unlabeled/u0.png": "cat", "train/dog/dog0.jpg": None}),
    "status": lambda p: p.set_status(["train/cat/cat0.jpg", "val/dog/dog0.jpg"], "verified"),
    "split": lambda p: p.set_splits({"train/cat/cat0.jpg": "test", "val/dog/dog0.jpg": None}),
    "new class label": lambda p: p.set_label("_unlabeled/u0.png", "owl", create_class=True),
    "add class": lambda p: p.add_classes(["bird", "fish"]),
    "rename": lambda p: p.rename_class("cat", "kitten"),
    "merge": lambda p: p.merge_classes("cat", "dog"),
    "remove": lambda p: p.remove_class("cat"),
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_redo_after_undo_restores_the_state_exactly_and_is_undoable(project, edit):
    project.set_status(["train/cat/cat1.jpg"], "verified")  # a merge keeps it, remove not
    project.remove_class("dog")  # an alias (dog → none) that a later edit may touch
    project.undo()
    before = state(project)
    EDITS[edit](project)
    after = state(project)
    assert after != before
    project.undo()
    assert state(project) == before
    redone = project.redo()
    assert state(project) == after
    assert redone.kind == changes.REDO and redone.classes_changed == (before[1] != after[1])
    project.undo()  # the redo is a change like any other
    assert state(project) == before
    project.redo()  # ... and so is its undo's redo
    assert state(project) == after
    with pytest.raises(NothingToRedoError, match="nothing to redo"):
        project.redo()


def test_redos_walk_forward_through_the_undos_newest_first(project):
    path = "_unlabeled/u0.png"
    project.set_label(path, "cat")
    first = state(project)
    project.set_label(path, "dog")
    project.add_classes(["bird"])
    last = state(project)
    for _ in range(3):
        project.undo()
    assert label_of(project, path) is None
    assert pending_redo_description(project.db) == f"label {path} as 'cat'"
    project.redo()
    assert state(project) == first
    project.redo()
    assert label_of(project, path) == "dog" and "bird" not in project.classes()
    assert pending_redo_description(project.db) == "add class 'bird'"
    project.redo()
    assert state(project) == last
    assert pending_redo_description(project.db) is None


def test_a_new_change_clears_what_redo_offers(project):
    project.set_label("_unlabeled/u0.png", "cat")
    project.undo()
    project.set_label("_unlabeled/u1.png", "dog")
    with pytest.raises(NothingToRedoError):
        project.redo()
    assert label_of(project, "_unlabeled/u0.png") is None
    project.undo()  # the new change's undo can be redone, the older one not
    project.redo()
    assert label_of(project, "_unlabeled/u1.png") == "dog"
    with pytest.raises(NothingToRedoError):
        project.redo()


def test_a_redo_leaves_an_image_someone_else_changed_since(project, monkeypatch):
    monkeypatch.setenv("LABELDESK_USER", "alice")
    project.set_labels({"_unlabeled/u0.png": "cat", "_unlabeled/u1.png": "cat"})
    project.undo()
    monkeypatch.setenv("LABELDESK_USER", "bob")
    project.set_label("_unlabeled/u0.png", "dog")
    with pytest.raises(NothingToRedoError):  # bob has undone nothing: alice's is hers
        project.redo()
    monkeypatch.setenv("LABELDESK_USER", "alice")
    redone = project.redo()  # bob's change is not alice's: her redo stays
    assert label_of(project, "_unlabeled/u0.png") == "dog"  # bob's label stands
    assert label_of(project, "_unlabeled/u1.png") == "cat"
    assert (redone.events, redone.kept) == (1, 1)
    assert "1 image changed by someone else since was left as it is" in redone.summary()


def test_a_redo_that_finds_nothing_to_change_is_not_what_undo_takes_back(project, monkeypatch):
    monkeypatch.setenv("LABELDESK_USER", "alice")
    project.set_label("_unlabeled/u2.png", "dog")
    project.set_label("_unlabeled/u0.png", "cat")
    project.undo()
    monkeypatch.setenv("LABELDESK_USER", "bob")
    project.set_label("_unlabeled/u0.png", "dog")
    monkeypatch.setenv("LABELDESK_USER", "alice")
    redone = project.redo()
    assert (redone.events, redone.kept) == (0, 1) and not redone
    undone = project.undo()  # not the empty redo: the change before it
    assert undone.description == "label _unlabeled/u2.png as 'dog'"
    assert label_of(project, "_unlabeled/u0.png") == "dog"


def test_an_undone_import_is_redone_only_when_imports_are_included(project):
    imported = project.set_labels({"_unlabeled/u0.png": "cat"}, source="import").batch_id
    project.set_label("_unlabeled/u1.png", "dog")
    project.undo()  # the label
    project.undo(imported)  # the import, by its number
    assert label_of(project, "_unlabeled/u0.png") is None
    project.redo()  # a plain redo passes over the import, as a plain undo does
    assert label_of(project, "_unlabeled/u1.png") == "dog"
    assert label_of(project, "_unlabeled/u0.png") is None
    with pytest.raises(NothingToRedoError):
        project.redo()
    redone = project.redo(sources=SOURCES)
    assert redone.redone_batch_id == imported and label_of(project, "_unlabeled/u0.png") == "cat"
    source = project.db.scalar("SELECT source FROM label_batches WHERE id = ?", (redone.batch_id,))
    assert source == "import"  # the history still says where the labels came from


def test_the_size_of_a_pending_redo(project):
    assert pending_redo_size(project.db) == 0
    project.rename_class("cat", "kitten")
    project.undo()
    assert pending_redo_size(project.db) == len(project.images().query("label == 'cat'"))


def test_the_size_of_a_pending_redo_counts_the_images_a_rename_takes_along(project, monkeypatch):
    """A redone rename also renames the images labeled with the old name while it was
    undone (someone else's, so the redo stays offered): the app's choice to redo in the
    background must count them, or a huge one would freeze the window."""
    monkeypatch.setenv("LABELDESK_USER", "ann")
    cats = len(project.images().query("label == 'cat'"))
    project.rename_class("cat", "kitten")
    project.undo()
    monkeypatch.setenv("LABELDESK_USER", "bob")
    others = ["_unlabeled/u0.png", "_unlabeled/u1.png", "train/dog/dog0.jpg"]
    project.set_labels(dict.fromkeys(others, "cat"))
    project.set_labels({"train/cat/cat0.jpg": "dog"})  # one of the rename's, changed since
    monkeypatch.setenv("LABELDESK_USER", "ann")
    size = pending_redo_size(project.db)
    redone = project.redo()
    assert len(redone.image_ids) == len(set(redone.image_ids))  # each image once
    assert len(set(redone.image_ids)) == cats - 1 + len(others)
    assert size == len(set(redone.image_ids))
    assert label_of(project, "_unlabeled/u0.png") == "kitten"
    assert label_of(project, "train/cat/cat0.jpg") == "dog"


def test_a_version_diff_sees_a_redone_rename_as_a_rename(project):
    from labeldesk.core.version_diff import diff
    from labeldesk.core.versions import create_version

    v1 = create_version(project.db, "v1")
    project.rename_class("cat", "kitten")
    project.undo()
    project.redo()
    changed = diff(project.db, v1, None)
    assert changed.labels_changed == []
    assert [(r["old"], r["new"]) for r in changed.classes_renamed] == [("cat", "kitten")]


def test_undo_of_an_undo_points_to_redo(project):
    project.set_label("_unlabeled/u0.png", "cat")
    undo_batch = project.undo().batch_id
    with pytest.raises(Exception, match="itself an undo; to make its change again, redo"):
        project.undo(undo_batch)


def test_a_class_someone_labeled_with_since_the_undo_is_not_removed_again(project, monkeypatch):
    monkeypatch.setenv("LABELDESK_USER", "alice")
    project.remove_class("dog")
    project.undo()
    monkeypatch.setenv("LABELDESK_USER", "bob")
    project.set_label("_unlabeled/u0.png", "dog")
    monkeypatch.setenv("LABELDESK_USER", "alice")
    redone = project.redo()
    assert label_of(project, "train/dog/dog0.jpg") is None  # alice's images: unlabeled again
    assert label_of(project, "_unlabeled/u0.png") == "dog" and "dog" in project.classes()
    assert redone.classes_kept == ("dog",) and "still in use" in redone.summary()


def test_a_rename_whose_new_name_stayed_in_use_is_made_again(project, monkeypatch):
    monkeypatch.setenv("LABELDESK_USER", "alice")
    project.rename_class("cat", "kitten")
    renamed = state(project)[1:]
    monkeypatch.setenv("LABELDESK_USER", "bob")
    project.set_label("_unlabeled/u0.png", "kitten")
    monkeypatch.setenv("LABELDESK_USER", "alice")
    project.undo()  # cat back; kitten stays, bob's image carries it
    assert project.classes() == ["cat", "kitten", "dog"]
    project.redo()
    assert state(project)[1:] == renamed  # cat's images are kittens again, cat is gone
    assert label_of(project, "train/cat/cat0.jpg") == "kitten"


def test_redo_on_the_command_line(project, capsys):
    import json

    from labeldesk.cli import main
    from labeldesk.core.project import open_project

    path = str(project.path)
    project.close()
    assert main(["classes", path, "--rename", "cat", "kitten"]) == 0
    assert main(["undo", path]) == 0
    capsys.readouterr()
    assert main(["redo", path, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["classes_renamed"] == [["cat", "kitten"]] and out["events"] == 8
    assert main(["redo", path, "--json"]) != 0
    assert json.loads(capsys.readouterr().out)["kind"] == "NothingToRedoError"
    with open_project(path) as reopened:
        assert reopened.classes() == ["kitten", "dog"]


def test_the_standing_batch_follows_undos_and_redos(project):
    """What a window that made a batch must undo now (the duplicates dialog): the batch,
    then the redo that made it again, and nothing while it stays undone."""
    made = project.set_label("_unlabeled/u0.png", "cat").batch_id
    assert standing_batch(project.db, made) == made
    assert pending_redo_batch(project.db) is None
    project.undo()
    assert standing_batch(project.db, made) is None and pending_redo_batch(project.db) == made
    again = project.redo().batch_id
    assert again != made and standing_batch(project.db, made) == again
    project.undo()
    third = project.redo().batch_id
    assert standing_batch(project.db, made) == third and standing_batch(project.db, again) == third


def test_a_redo_of_an_undo_that_changed_nothing_says_why_nothing_changed(project, monkeypatch):
    """It said "0 images changed again" and no more."""
    monkeypatch.setenv("LABELDESK_USER", "alice")
    project.set_label("_unlabeled/u0.png", "cat")
    monkeypatch.setenv("LABELDESK_USER", "bob")
    project.set_label("_unlabeled/u0.png", "dog")
    monkeypatch.setenv("LABELDESK_USER", "alice")
    assert project.undo().kept == 1  # bob's label stands: the undo changed nothing
    redone = project.redo()
    assert (redone.events, redone.kept, redone.undo_changed_nothing) == (0, 0, True)
    assert redone.summary() == (
        "Redid “label _unlabeled/u0.png as 'cat'”: 0 images changed again (nothing to make again: "
        "that undo had changed nothing, as every image of it had been changed again since)"
    )
    assert label_of(project, "_unlabeled/u0.png") == "dog"


def test_a_redo_that_changed_images_says_no_such_thing(project):
    project.set_label("_unlabeled/u0.png", "cat")
    project.undo()
    redone = project.redo()
    assert not redone.undo_changed_nothing and "nothing to make again" not in redone.summary()
