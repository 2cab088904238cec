"""Classes that an undo or a redo brings back, and those it cannot bring back."""

from __future__ import annotations

from helpers import label_of


def test_redo_removes_again_a_class_its_undo_brought_back(project, as_user):
    as_user("alice")
    project.set_label("train/dog/dog0.jpg", "cat")
    as_user("bob")
    project.remove_class("dog")
    as_user("alice")
    undone = project.undo()  # dog0 is a dog again: the class comes back for it
    assert label_of(project, "train/dog/dog0.jpg") == "dog"
    assert "dog" in project.classes()
    assert "dog" in undone.classes_restored and "'dog' back" in undone.summary()
    redone = project.redo()  # dog0 is a cat again: nothing carries dog
    assert label_of(project, "train/dog/dog0.jpg") == "cat"
    assert project.classes() == ["cat"]
    assert project.class_aliases()["dog"] is None  # bob's removal stands
    assert redone.classes_gone == ("dog",)
    project.undo()  # the redo
    assert project.classes() == ["cat", "dog"]
    assert label_of(project, "train/dog/dog0.jpg") == "dog"


def test_redo_does_not_rename_a_class_to_a_case_twin(project, as_user):
    as_user("alice")
    project.rename_class("cat", "kitty")
    project.undo()
    as_user("bob")
    project.add_classes(["Kitty"])
    as_user("alice")
    redone = project.redo()
    assert project.classes() == ["cat", "dog", "Kitty"]
    assert label_of(project, "train/cat/cat0.jpg") == "cat"
    assert redone.case_twins == (("kitty", "Kitty"),)
    assert "'kitty' not made: the class 'Kitty' differs from it only in case" in redone.summary()


def test_redo_does_not_add_a_case_twin(project, as_user):
    as_user("alice")
    project.add_classes_batch(["fox"])
    project.undo()
    as_user("bob")
    project.add_classes(["FOX"])
    as_user("alice")
    redone = project.redo()
    assert project.classes() == ["cat", "dog", "FOX"]
    assert redone.case_twins == (("fox", "FOX"),)


def test_undo_does_not_bring_back_a_case_twin(project, as_user):
    as_user("alice")
    project.rename_class("dog", "hound")
    as_user("bob")
    project.add_classes(["Dog"])
    as_user("alice")
    undone = project.undo()
    assert project.classes() == ["cat", "hound", "Dog"]  # hound stays, with its images
    assert label_of(project, "train/dog/dog0.jpg") == "hound"
    assert undone.case_twins == (("dog", "Dog"),)
    assert "'dog' not made: the class 'Dog' differs from it only in case" in undone.summary()


def test_undo_may_change_a_class_back_to_its_own_other_case(project):
    project.rename_class("cat", "Cat")
    undone = project.undo()
    assert project.classes() == ["cat", "dog"]
    assert label_of(project, "train/cat/cat0.jpg") == "cat"
    assert undone.case_twins == ()
    project.redo()
    assert project.classes() == ["Cat", "dog"]


def test_redoing_a_rename_takes_along_the_images_labeled_with_the_old_name_since(project, as_user):
    # Bob labels with 'cat' while alice's rename is undone: a redo renames the class, so
    # his image must follow it, never keep a label that is no longer a class.
    as_user("alice")
    project.rename_class("cat", "kitty")
    project.undo()
    as_user("bob")
    project.set_labels({"_unlabeled/u0.png": "cat"})
    project.set_status(["train/cat/cat0.jpg"], "verified")  # one of the renamed images
    as_user("alice")
    redone = project.redo()
    assert project.classes() == ["kitty", "dog"]
    assert label_of(project, "_unlabeled/u0.png") == "kitty"
    assert label_of(project, "train/cat/cat0.jpg") == "kitty"
    assert project.images().set_index("path").status["train/cat/cat0.jpg"] == "verified"
    assert set(project.images().label.dropna()) <= set(project.classes())
    assert redone.classes_renamed == (("cat", "kitty"),)
    project.undo()  # the redo, whole: the class and every image it renamed
    assert project.classes() == ["cat", "dog"]
    assert label_of(project, "_unlabeled/u0.png") == "cat"
    assert label_of(project, "train/cat/cat0.jpg") == "cat"


def test_redoing_a_rename_takes_along_images_a_scan_filed_under_the_old_name(
    project, imagefolder, as_user
):
    import shutil

    root, _ = imagefolder
    as_user("alice")
    project.rename_class("cat", "kitty")
    project.undo()
    shutil.copy(root / "_unlabeled/u1.png", root / "train/cat/new.png")
    project.scan(workers=1)  # the folder label: 'cat', the class's name then
    assert label_of(project, "train/cat/new.png") == "cat"
    project.redo()
    assert label_of(project, "train/cat/new.png") == "kitty"
    assert set(project.images().label.dropna()) <= set(project.classes())


def test_undoing_a_rename_whose_old_name_was_made_again_leaves_both_classes(project, as_user):
    """Alice renames cat to kitty, Bob makes a new class cat, Alice undoes her rename: the
    kittens went back to the label cat, joining Bob's class, and kitty stayed, empty (a
    merge nobody asked for, said as "N images changed back")."""
    as_user("alice")
    kittens = sorted(project.images().query("label == 'cat'").path)
    project.rename_class("cat", "kitty")
    as_user("bob")
    project.set_labels({"_unlabeled/u0.png": "cat"}, create_classes=True)
    as_user("alice")
    undone = project.undo()
    assert {label_of(project, p) for p in kittens} == {"kitty"}
    assert label_of(project, "_unlabeled/u0.png") == "cat"
    assert set(project.classes()) == {"kitty", "dog", "cat"}
    assert not undone  # nothing changed: nothing for a view to re-read or score again
    assert undone.names_taken == (("cat", "kitty"),)
    assert "nothing changed; 'kitty' not renamed back: a class 'cat' was made since" in (
        undone.summary()
    )
    assert "merge it into 'cat'" in undone.summary()
    redone = project.redo()  # nothing was taken back: nothing to make again
    assert {label_of(project, p) for p in kittens} == {"kitty"}
    assert label_of(project, "_unlabeled/u0.png") == "cat"
    assert set(project.classes()) == {"kitty", "dog", "cat"} and not redone


def _redo_a_rename_after_bob_makes_the_old_name(project, as_user) -> None:
    """Alice renames cat to kitty, Bob makes a class cat (empty), Alice undoes her rename
    and redoes it."""
    as_user("alice")
    project.rename_class("cat", "kitty")
    as_user("bob")
    project.add_classes(["cat"])
    as_user("alice")
    project.undo()
    project.redo()


def test_a_redo_leaves_an_empty_class_made_with_the_old_name_before_the_undo(project, as_user):
    """The redo took Bob's class cat (empty) for the one the undo had put back and removed
    it into kitty."""
    _redo_a_rename_after_bob_makes_the_old_name(project, as_user)
    assert set(project.classes()) == {"kitty", "dog", "cat"}
    assert "cat" not in project.class_aliases()


def test_a_redo_leaves_the_old_names_class_made_within_one_clock_tick(
    project, as_user, monkeypatch
):
    """As above, with the rename, Bob's class and the undo recorded within one tick of the
    clock (a script's steps; Windows' clock moves every 15.6 ms): the redo compared the
    class's creation time with the batches' and, equal, took Bob's class cat (empty) for
    one the undo had made, and removed it into kitty."""
    import time

    monkeypatch.setattr(time, "time", lambda: 1_800_000_000.0)
    _redo_a_rename_after_bob_makes_the_old_name(project, as_user)
    assert "cat" not in project.class_aliases()
    assert set(project.classes()) == {"kitty", "dog", "cat"}


def test_a_redo_leaves_the_old_names_class_when_the_new_name_was_renamed_since(project, as_user):
    """Alice renames cat to kitty, Bob makes a class cat, Alice undoes her rename (left:
    both classes stay), Carol renames kitty to feline, Alice redoes: the redo saw cat
    there and kitty free, and renamed Bob's class cat to kitty."""
    as_user("alice")
    kittens = sorted(project.images().query("label == 'cat'").path)
    project.rename_class("cat", "kitty")
    as_user("bob")
    project.set_labels({"_unlabeled/u0.png": "cat"}, create_classes=True)
    as_user("alice")
    project.undo()
    as_user("carol")
    project.rename_class("kitty", "feline")
    as_user("alice")
    project.redo()
    assert label_of(project, "_unlabeled/u0.png") == "cat"
    assert {label_of(project, p) for p in kittens} == {"feline"}
    assert set(project.classes()) == {"feline", "dog", "cat"}
