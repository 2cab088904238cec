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
