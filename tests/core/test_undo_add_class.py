"""Adding a class is one undoable step: Ctrl+Z right after "add class bird" took back
the label change made before it, and the class stayed."""

from __future__ import annotations

import json

import pytest

from labeldesk.core.classes import aliases
from labeldesk.core.undo import pending_description


def label_of(project, path):
    return project.db.scalar("SELECT label FROM images WHERE path = ?", (path,))


def test_undo_after_adding_a_class_removes_it_not_the_label_before(project):
    project.set_label("_unlabeled/u0.png", "cat")
    added = project.add_classes(["bird", "fish"])
    assert added == ["bird", "fish"]
    assert pending_description(project.db) == "add classes 'bird', 'fish'"
    undone = project.undo()
    assert project.classes() == ["cat", "dog"]
    assert label_of(project, "_unlabeled/u0.png") == "cat"  # the label before stays
    assert sorted(undone.classes_removed) == ["bird", "fish"] and undone.classes_changed
    assert "removed the classes 'bird', 'fish' it had added" in undone.summary()
    assert "0 images" not in undone.summary()
    project.undo()  # now the label
    assert label_of(project, "_unlabeled/u0.png") is None


def test_labels_given_to_the_new_class_are_undone_first(project):
    project.add_classes(["bird"])
    project.set_label("_unlabeled/u0.png", "bird")
    project.undo()  # the label, newest first
    assert label_of(project, "_unlabeled/u0.png") is None and "bird" in project.classes()
    undone = project.undo()  # then the class, unused by now
    assert "bird" not in project.classes()
    assert "removed the class 'bird' it had added" in undone.summary()  # not "class(es)"
    redone = project.redo()
    assert "class 'bird' back" in redone.summary()


def test_a_class_someone_labeled_with_since_is_kept(project, monkeypatch):
    monkeypatch.setenv("LABELDESK_USER", "alice")
    project.add_classes(["bird"])
    monkeypatch.setenv("LABELDESK_USER", "bob")
    project.set_label("_unlabeled/u0.png", "bird")
    monkeypatch.setenv("LABELDESK_USER", "alice")
    undone = project.undo()
    assert "bird" in project.classes() and label_of(project, "_unlabeled/u0.png") == "bird"
    assert undone.classes_kept == ("bird",) and "still in use" in undone.summary()


def test_undoing_the_addition_of_a_removed_name_restores_its_alias(project):
    project.remove_class("dog")  # a dog folder's new files now come in unlabeled
    project.add_classes(["dog"])  # named again: its folder's files are dogs again
    assert "dog" not in aliases(project.db.conn)
    project.undo()
    assert aliases(project.db.conn) == {"dog": None} and "dog" not in project.classes()


def test_adding_nothing_new_records_no_step(project):
    project.set_label("_unlabeled/u0.png", "cat")
    assert project.add_classes(["cat"]) == []
    assert pending_description(project.db) == "label _unlabeled/u0.png as 'cat'"


def test_classes_add_on_the_command_line_is_undone_by_undo(project, capsys):
    from labeldesk.cli import main
    from labeldesk.core.project import open_project

    path = str(project.path)
    project.close()
    assert main(["classes", path, "--add", "owl"]) == 0
    assert f"undo with `labeldesk undo {path}`" in capsys.readouterr().out
    assert main(["undo", path, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["classes_removed"] == ["owl"]
    with open_project(path) as reopened:
        assert reopened.classes() == ["cat", "dog"]


@pytest.mark.parametrize("op", ["rename", "merge", "remove"])
def test_rename_merge_and_remove_are_undoable_already(project, op):
    before = project.classes()
    {
        "rename": lambda: project.rename_class("cat", "kitten"),
        "merge": lambda: project.merge_classes("cat", "dog"),
        "remove": lambda: project.remove_class("cat"),
    }[op]()
    assert project.classes() != before
    project.undo()
    assert project.classes() == before
    assert label_of(project, "train/cat/cat0.jpg") == "cat"
