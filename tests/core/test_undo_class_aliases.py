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
