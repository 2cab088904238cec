"""Undoing class changes one after another gives every class its place back, so its key
(`1`–`9`, `A`…) is the one it had. A removal leaves its place empty; undoing it moved
every class after that place down one anyway, so undoing an earlier merge then put the
merged class back before the last class instead of after it: the key pressed from habit
for `trouser` gave `hats`, and the image went under the wrong class unseen."""

from __future__ import annotations

import labeldesk


def test_undoing_a_removal_then_a_merge_gives_every_class_its_key_back(small):
    project, _, _ = small
    with labeldesk.open_project(project) as opened:
        opened.add_classes(["hats"])
        order = opened.classes()
        assert order[-2:] == ["trouser", "hats"]
        opened.merge_classes("hats", "bag")
        opened.remove_class("coat")
        opened.undo()  # coat back in its place
        assert opened.classes() == [c for c in order if c != "hats"]
        opened.undo()  # hats back in its place, after trouser
        assert opened.classes() == order
        opened.redo()
        opened.redo()
        opened.undo()
        opened.undo()
        assert opened.classes() == order


def test_a_class_added_after_removals_does_not_move_the_removed_classes_places(small):
    """Adding a class numbered the places afresh, closing the ones removals left: each
    class after the first removed moved up one, and the second removed class, brought
    back by an undo, came after the class that had followed it."""
    project, _, _ = small
    with labeldesk.open_project(project) as opened:
        order = opened.classes()
        assert order[:5] == ["ankle_boot", "bag", "coat", "dress", "pullover"]
        opened.remove_class("ankle_boot")
        opened.remove_class("dress")
        opened.add_classes(["hats"])
        assert opened.classes() == [c for c in order if c not in ("ankle_boot", "dress")] + ["hats"]
        opened.undo()  # the addition
        opened.undo()  # dress between coat and pullover again
        opened.undo()  # ankle_boot first again
        assert opened.classes() == order


def test_redoing_a_rename_after_undoing_a_merge_of_its_new_name_renames_again(small):
    """The undone merge brought `x1` back as a class made then; the undone rename called it
    `ankle_boot` again, and the redo took that for a class someone made after the rename:
    it kept `ankle_boot` (empty) and made `x1` a new class at the end, with another key
    and no alias (new files in an `ankle_boot/` folder stayed `ankle_boot`)."""
    project, _, _ = small
    with labeldesk.open_project(project) as opened:
        opened.rename_class("ankle_boot", "x1")
        renamed, aliases = opened.classes(), dict(opened.class_aliases())
        assert renamed[0] == "x1" and aliases == {"ankle_boot": "x1"}
        opened.merge_classes("x1", "sandal")
        opened.undo()
        opened.undo()
        assert opened.classes()[0] == "ankle_boot"
        opened.redo()
        opened.redo()  # the merge again, then both undone again
        opened.undo()
        assert opened.classes() == renamed
        assert dict(opened.class_aliases()) == aliases


def test_redoing_a_rename_after_undoing_a_class_added_with_its_old_name_renames_again(small):
    """A class added with the old name after the rename, and taken away again before the
    rename was undone, made nothing that stayed: the redo renames as the rename did."""
    project, _, _ = small
    with labeldesk.open_project(project) as opened:
        opened.rename_class("coat", "hats")
        renamed, aliases = opened.classes(), dict(opened.class_aliases())
        opened.add_classes(["coat"])
        opened.undo()
        opened.undo()
        opened.redo()
        assert opened.classes() == renamed
        assert dict(opened.class_aliases()) == aliases
