"""Where a class name of an earlier label state went: the alias table knows names only as
they stand now, so after two classes swapped names it sent an old name to the wrong
class (a frozen test set's ``cat`` images, now labeled dog, were scored as cats)."""

from __future__ import annotations

from labeldesk.core.class_events import names_after
from labeldesk.core.labels import last_event_id


def test_a_swap_of_two_names_is_followed_from_the_state_before_it(project):
    assert sorted(project.classes()) == ["cat", "dog"]
    before = last_event_id(project.db)
    project.rename_class("cat", "tmp")
    project.rename_class("dog", "cat")
    project.rename_class("tmp", "dog")
    where = names_after(project.db, before)
    assert where("cat") == "dog" and where("dog") == "cat"
    now = names_after(project.db, last_event_id(project.db))
    assert now("cat") == "cat" and now("dog") == "dog"  # nothing changed since


def test_merges_removals_and_undos_are_followed(project):
    before = last_event_id(project.db)
    project.merge_classes("cat", "dog")
    assert names_after(project.db, before)("cat") == "dog"
    project.undo()  # the merge taken back: cat is cat again
    where = names_after(project.db, before)
    assert where("cat") == "cat" and where("dog") == "dog"
    project.remove_class("cat")
    assert names_after(project.db, before)("cat") is None
    assert names_after(project.db, before)("never-a-class") == "never-a-class"


def test_an_undo_after_the_state_of_a_rename_before_it_is_followed(project):
    project.rename_class("cat", "kitty")
    middle = last_event_id(project.db)  # its names: kitty, dog
    project.undo()  # kitty is cat again
    assert names_after(project.db, middle)("kitty") == "cat"
    project.redo()
    assert names_after(project.db, middle)("kitty") == "kitty"
