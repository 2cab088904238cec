"""Undoing a class change puts back the old folder names that led to a class."""

from __future__ import annotations


def test_undoing_a_rename_onto_an_old_name_puts_its_alias_back(project):
    project.merge_classes("dog", "cat")  # a folder "dog" now leads to "cat"
    project.add_classes(["bird"])
    project.rename_class("bird", "dog")  # "dog" is a class again: no alias
    assert "dog" not in project.class_aliases()
    project.undo()
    assert project.classes() == ["cat", "bird"]
    assert project.class_aliases()["dog"] == "cat"


def test_undoing_a_rename_back_keeps_the_first_rename(project):
    project.rename_class("cat", "kitty")
    project.rename_class("kitty", "cat")
    project.undo()
    assert project.classes() == ["kitty", "dog"]
    assert project.class_aliases() == {"cat": "kitty"}


def test_redoing_a_rename_onto_an_old_name_is_undone_with_its_alias(project):
    project.merge_classes("dog", "cat")
    project.add_classes(["bird"])
    project.rename_class("bird", "dog")
    project.undo()
    project.redo()
    assert "dog" not in project.class_aliases()
    project.undo()
    assert project.class_aliases()["dog"] == "cat"


def test_undoing_a_rename_takes_back_what_a_scan_filed_under_it(project, imagefolder):
    from helpers import write_image

    root, _ = imagefolder
    project.rename_class("cat", "kitty")
    write_image(root / "train" / "cat" / "new.jpg", seed=406)
    project.scan(workers=1)  # filed under kitty: the folder "cat" leads there
    undone = project.undo()
    assert project.classes() == ["cat", "dog"]
    labels = project.images().set_index("path").label
    assert labels["train/cat/new.jpg"] == "cat"
    assert undone.classes_kept == ()
    write_image(root / "train" / "cat" / "newer.jpg", seed=407)
    project.scan(workers=1)
    assert project.images().set_index("path").label["train/cat/newer.jpg"] == "cat"


def _labels(project):
    return project.images().set_index("path").label


def test_undoing_a_merge_takes_back_what_a_scan_filed_under_it(project, imagefolder):
    from helpers import write_image

    root, _ = imagefolder
    project.merge_classes("dog", "cat")
    write_image(root / "train" / "dog" / "new.jpg", seed=408)
    project.scan(workers=1)  # filed under cat: the folder "dog" leads there
    assert _labels(project)["train/dog/new.jpg"] == "cat"
    undone = project.undo()
    assert project.classes() == ["cat", "dog"]
    assert _labels(project)["train/dog/new.jpg"] == "dog"  # as the rest of its folder
    assert _labels(project)["train/dog/dog0.jpg"] == "dog"
    assert "train/dog/new.jpg" in project.paths_of(undone.image_ids)
    project.redo()  # the merge again: with it, the image it filed back
    assert _labels(project)["train/dog/new.jpg"] == "cat"
    assert project.classes() == ["cat"]


def test_undoing_a_class_removal_gives_an_image_a_scan_moved_into_its_folder_that_class(
    project, imagefolder
):
    import os

    root, _ = imagefolder
    project.remove_class("dog")
    os.replace(root / "train/cat/cat0.jpg", root / "train/dog/cat0.jpg")
    project.scan(workers=1)  # moved into "dog", which leads nowhere: unlabeled
    assert _labels(project).isna()["train/dog/cat0.jpg"]
    project.undo()
    assert _labels(project)["train/dog/cat0.jpg"] == "dog"
    project.redo()
    assert _labels(project).isna()["train/dog/cat0.jpg"]


def test_undoing_a_second_merge_leaves_what_a_scan_filed_after_the_first(project, imagefolder):
    from helpers import write_image

    root, _ = imagefolder
    project.merge_classes("dog", "cat")
    write_image(root / "train" / "dog" / "new.jpg", seed=412)
    project.scan(workers=1)  # filed under cat by the first merge
    project.add_classes(["dog"])
    project.set_labels({"train/dog/dog0.jpg": "dog"})
    project.merge_classes("dog", "cat")
    project.undo()  # exactly as before the second merge: new.jpg was a cat then
    assert _labels(project)["train/dog/new.jpg"] == "cat"
    assert _labels(project)["train/dog/dog0.jpg"] == "dog"


def test_an_image_a_person_checked_is_not_moved_by_the_undo_of_a_merge(project, imagefolder):
    from helpers import write_image

    root, _ = imagefolder
    merge = project.merge_classes("dog", "cat").batch_id
    write_image(root / "train" / "dog" / "new.jpg", seed=410)
    write_image(root / "train" / "dog" / "mine.jpg", seed=411)
    project.scan(workers=1)
    project.set_status(["train/dog/mine.jpg"], "verified")  # a person's word: a cat
    project.undo(merge)
    assert _labels(project)["train/dog/new.jpg"] == "dog"
    assert _labels(project)["train/dog/mine.jpg"] == "cat"
