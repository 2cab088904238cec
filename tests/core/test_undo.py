"""Undo takes back the current person's own batch, never someone else's change."""

from __future__ import annotations

import pandas as pd
import pytest

from labeldesk.core.errors import NothingToUndoError


def label_of(project, path):
    label = project.images().set_index("path").label[path]
    return None if pd.isna(label) else label


def split_of(project, path):
    return project.db.scalar(
        "SELECT split FROM images WHERE path = ? AND removed_at IS NULL", (path,)
    )


@pytest.fixture
def as_user(monkeypatch):
    def switch(name: str) -> None:
        monkeypatch.setenv("LABELDESK_USER", name)

    return switch


def test_undo_takes_back_my_newest_batch_not_another_persons(project, as_user):
    as_user("alice")
    project.set_label("_unlabeled/u0.png", "cat")
    as_user("bob")
    project.set_label("_unlabeled/u1.png", "dog")
    as_user("alice")
    undone = project.undo()
    assert label_of(project, "_unlabeled/u0.png") is None
    assert label_of(project, "_unlabeled/u1.png") == "dog"  # bob's label stands
    assert undone.author == "alice"
    assert undone.events == 1
    assert "alice" in undone.summary() and "1 image" in undone.summary()
    with pytest.raises(NothingToUndoError, match=r"for alice.*1 change"):
        project.undo()
    as_user("bob")
    project.undo()
    assert label_of(project, "_unlabeled/u1.png") is None


def test_undo_leaves_an_image_someone_changed_since(project, as_user):
    as_user("alice")
    project.set_labels({"_unlabeled/u0.png": "cat", "_unlabeled/u1.png": "cat"})
    as_user("bob")
    project.set_label("_unlabeled/u0.png", "dog")
    as_user("alice")
    undone = project.undo()
    assert label_of(project, "_unlabeled/u0.png") == "dog"
    assert label_of(project, "_unlabeled/u1.png") is None
    assert (undone.events, undone.kept) == (1, 1)
    assert "left as they are" in undone.summary()


def test_successive_undos_walk_back_my_own_changes(project, as_user):
    as_user("alice")
    project.set_label("_unlabeled/u0.png", "cat")
    project.set_label("_unlabeled/u0.png", "dog")
    project.undo()
    assert label_of(project, "_unlabeled/u0.png") == "cat"
    project.undo()  # the undone batch and the undo itself do not count as "changed since"
    assert label_of(project, "_unlabeled/u0.png") is None


def test_undo_of_a_named_batch_and_its_errors(project, as_user):
    as_user("alice")
    batch = project.set_label("_unlabeled/u0.png", "cat")
    as_user("bob")
    undone = project.undo(batch)  # named explicitly: anyone may
    assert undone.batch_id == batch and label_of(project, "_unlabeled/u0.png") is None
    with pytest.raises(NothingToUndoError, match="undone already"):
        project.undo(batch)
    with pytest.raises(NothingToUndoError, match="itself an undo"):
        project.undo(undone.undo_batch_id)
    with pytest.raises(NothingToUndoError, match="no batch"):
        project.undo(10_000)


def test_split_changes_are_events_and_undo_restores_them(project):
    assert split_of(project, "train/cat/cat0.jpg") == "train"
    batch = project.set_splits({"train/cat/cat0.jpg": "test", "val/dog/dog0.jpg": None})
    assert batch is not None
    assert split_of(project, "train/cat/cat0.jpg") == "test"
    event = next(e for e in project.history("train/cat/cat0.jpg") if e.batch_id == batch)
    assert (event.old_split, event.new_split) == ("train", "test")
    project.undo()
    assert split_of(project, "train/cat/cat0.jpg") == "train"
    assert split_of(project, "val/dog/dog0.jpg") == "val"


def test_past_splits_and_labels_can_be_rebuilt(project):
    from labeldesk.core.labels import state_as_of

    ids = project.ids_for(["train/cat/cat0.jpg"])
    image = ids["train/cat/cat0.jpg"]
    project.set_splits({"train/cat/cat0.jpg": "val"})
    mark = project.history(limit=1)[0].id
    project.set_splits({"train/cat/cat0.jpg": "test"})
    project.set_label("train/cat/cat0.jpg", "dog")
    assert state_as_of(project.db, mark)[image] == ("cat", None, "val")
    assert state_as_of(project.db, 0)[image] == (None, None, "train")
    newest = project.history(limit=1)[0].id
    assert state_as_of(project.db, newest)[image] == ("dog", None, "test")


def test_an_undo_that_brings_back_a_removed_class_recreates_it(project, as_user):
    as_user("alice")
    project.set_label("_unlabeled/u0.png", "bird", create_class=True)
    project.set_label("_unlabeled/u0.png", "cat")
    as_user("bob")
    project.remove_class("bird")
    as_user("alice")
    project.undo()  # back to "bird" for u0, whose class bob removed meanwhile
    assert label_of(project, "_unlabeled/u0.png") == "bird"
    assert "bird" in project.classes()
