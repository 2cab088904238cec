"""Undo takes back the current person's own batch, never someone else's change."""

from __future__ import annotations

import pytest
from helpers import label_of

from labeldesk.core.errors import NothingToUndoError


def split_of(project, path):
    return project.db.scalar(
        "SELECT split FROM images WHERE path = ? AND removed_at IS NULL", (path,)
    )


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
    assert "1 image changed again since was left as it is" in undone.summary()


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
    batch = project.set_label("_unlabeled/u0.png", "cat").batch_id
    as_user("bob")
    undone = project.undo(batch)  # named explicitly: anyone may
    assert undone.undone_batch_id == batch and label_of(project, "_unlabeled/u0.png") is None
    with pytest.raises(NothingToUndoError, match="undone already"):
        project.undo(batch)
    with pytest.raises(NothingToUndoError, match="itself an undo"):
        project.undo(undone.batch_id)
    with pytest.raises(NothingToUndoError, match="no batch"):
        project.undo(10_000)


def test_undo_of_a_batch_made_again_names_the_batch_that_holds_it_now(project, as_user):
    """A batch undone and then redone: the change lives on in the redo's batch, so an
    undo of the old number says which batch to undo instead (not just "undone already")."""
    as_user("alice")
    made = project.set_label("_unlabeled/u0.png", "cat").batch_id
    undo1 = project.undo().batch_id
    with pytest.raises(NothingToUndoError, match=rf"^batch {made} has been undone already "
                       rf"\(by batch {undo1}\)$"):  # fmt: skip
        project.undo(made)
    redo1 = project.redo().batch_id
    with pytest.raises(NothingToUndoError) as caught:
        project.undo(made)
    assert str(caught.value) == (
        f"batch {made} was undone by batch {undo1} and made again by batch {redo1}; "
        f"undo batch {redo1} to take it back"
    )
    undo2 = project.undo().batch_id  # the redo undone in turn, and made again once more
    with pytest.raises(NothingToUndoError) as caught:
        project.undo(made)
    assert str(caught.value) == (
        f"batch {made} was undone by batch {undo1} and made again by batch {redo1}, "
        f"which was undone by batch {undo2}"
    )
    redo2 = project.redo().batch_id
    with pytest.raises(NothingToUndoError) as caught:
        project.undo(made)
    assert str(caught.value) == (
        f"batch {made} was undone by batch {undo1} and made again by batch {redo1}, "
        f"and after later undos and redos by batch {redo2}; undo batch {redo2} to take "
        "it back"
    )
    assert project.undo(redo2).undone_batch_id == redo2  # the advice works
    assert label_of(project, "_unlabeled/u0.png") is None


def test_split_changes_are_events_and_undo_restores_them(project):
    assert split_of(project, "train/cat/cat0.jpg") == "train"
    written = project.set_splits({"train/cat/cat0.jpg": "test", "val/dog/dog0.jpg": None})
    batch = written.batch_id
    assert batch is not None and len(written.image_ids) == 2
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


def test_undoing_a_rename_keeps_the_new_name_while_someone_uses_it(project, as_user):
    as_user("alice")
    project.rename_class("cat", "kitten")
    as_user("bob")
    project.set_label("_unlabeled/u0.png", "kitten")
    as_user("alice")
    undone = project.undo()
    assert project.classes() == ["cat", "kitten", "dog"]  # cat back in its place, with its key
    assert label_of(project, "_unlabeled/u0.png") == "kitten"  # bob's label stands
    assert label_of(project, "train/cat/cat0.jpg") == "cat"
    assert undone.classes_kept == ("kitten",) and "still in use" in undone.summary()
    labels = set(project.images().label.dropna())
    assert labels <= set(project.classes())  # no label without its class


def test_undoing_a_merge_puts_the_old_names_back_on_their_class(project, imagefolder):
    from helpers import write_image

    root, _ = imagefolder
    project.rename_class("cat", "kitten")  # a folder "cat" now leads to "kitten"
    project.merge_classes("kitten", "dog")  # ... and then to "dog"
    project.undo()  # the merge
    write_image(root / "train" / "cat" / "new.jpg", seed=404)
    project.scan(workers=1)
    assert label_of(project, "train/cat/new.jpg") == "kitten"


def test_a_class_named_again_after_removal_takes_its_folder_images(project, imagefolder):
    from helpers import write_image

    root, _ = imagefolder
    project.remove_class("dog")
    project.add_classes(["dog"])
    write_image(root / "train" / "dog" / "new.jpg", seed=405)
    project.scan(workers=1)
    assert label_of(project, "train/dog/new.jpg") == "dog"


def test_finding_the_batch_to_undo_uses_an_index(project):
    plan = " ".join(
        str(row[-1])
        for row in project.db.query(
            "EXPLAIN QUERY PLAN SELECT 1 FROM label_batches u WHERE u.undoes = 5"
        )
    )
    assert "label_batches_undoes" in plan


def test_labels_that_are_not_classes_are_repaired_on_upgrade(tmp_path):
    from labeldesk.core import db, db_schema
    from labeldesk.core.project import Project

    project_dir = tmp_path / "old"
    project_dir.mkdir()
    conn = db.connect(project_dir / db.DB_FILENAME)
    db_schema.migrate(conn, target=5)  # as an older LabelDesk left it
    conn.execute("INSERT INTO meta(key, value) VALUES ('image_root', ?)", (str(tmp_path),))
    conn.execute("INSERT INTO classes(name, position, created_at) VALUES ('coat', 0, 0)")
    for i, label in enumerate([" coat", "coat", "two\nlines", " shirt "]):
        conn.execute(
            "INSERT INTO images(path, size, mtime_ns, hash, label, indexed_at) "
            "VALUES (?, 1, 1, ?, ?, 0)",
            (f"{i}.jpg", f"{i:032x}", label),
        )
    conn.close()
    with Project(project_dir) as project:
        labels = dict(project.db.query("SELECT path, label FROM images"))
        assert labels == {"0.jpg": "coat", "1.jpg": "coat", "2.jpg": None, "3.jpg": "shirt"}
        assert project.classes() == ["coat", "shirt"]
        assert project.history("2.jpg")[0].description.startswith("labels that were not")
