"""Each class keeps its colour (a palette slot) through merges, removals, renames,
additions, undo and reopening, and no two classes share one while the palette has room."""

from __future__ import annotations

from labeldesk.core.class_colours import PALETTE_SIZE
from labeldesk.core.image_frame import image_frame
from labeldesk.core.project import open_project


def test_a_merge_leaves_the_other_classes_colours(project):
    project.add_classes(["ant", "bee", "cow"])  # cat dog ant bee cow
    before = project.class_colours()
    project.merge_classes("ant", "bee")  # cow moves up a place: it kept the next colour
    after = project.class_colours()
    assert after["cow"] == before["cow"] and after["bee"] == before["bee"]
    assert after["cat"] == before["cat"] and after["dog"] == before["dog"]


def test_a_removal_leaves_the_others_and_undo_brings_its_colour_back(project):
    project.add_classes(["ant", "bee"])
    before = project.class_colours()
    project.remove_class("cat")
    assert project.class_colours() == {k: v for k, v in before.items() if k != "cat"}
    project.undo()
    assert project.class_colours() == before


def test_a_rename_keeps_the_colour(project):
    before = project.class_colours()
    project.rename_class("cat", "kitten")
    assert project.class_colours() == {"kitten": before["cat"], "dog": before["dog"]}


def test_a_class_that_sorts_earlier_takes_a_free_colour(project):
    before = project.class_colours()
    project.add_classes(["aardvark"])  # a person named it: at the end
    project.remove_class("cat")
    project.add_classes(["bat", "ape"])  # one takes cat's old colour, one the next free
    after = project.class_colours()
    assert after["dog"] == before["dog"]
    assert len(set(after.values())) == len(after)  # all different while there is room


def test_colours_stay_across_reopening(project, tmp_path):
    project.add_classes(["ant", "bee", "cow"])
    project.merge_classes("ant", "cow")
    before = project.class_colours()
    root = project.path
    project.close()
    reopened = open_project(root)
    try:
        assert reopened.class_colours() == before
        assert image_frame(reopened).attrs["class_colours"] == before
    finally:
        reopened.close()


def test_more_classes_than_colours_share_the_least_used(project):
    names = [f"c{i:02d}" for i in range(PALETTE_SIZE + 3)]
    project.add_classes(names)
    slots = project.class_colours()
    used = sorted(slots.values())
    assert set(used) == set(range(PALETTE_SIZE))  # every colour in use
    assert max(used.count(s) for s in set(used)) == 2  # none three times


def test_a_new_project_colours_its_classes_in_list_order(tmp_path):
    """Its scan finds the classes in any order (the sample's shirt and sneaker first):
    each took the next colour as found, so ankle_boot, first in the list, was red."""
    from pathlib import Path

    from labeldesk.core.create import create_and_index

    sample = Path(__file__).parents[2] / "sample_data" / "fashion"
    project, _ = create_and_index(tmp_path / "proj", sample, workers=1)
    try:
        assert [project.class_colours()[c] for c in project.classes()] == list(range(10))
    finally:
        project.close()


def test_a_project_made_empty_and_scanned_colours_its_classes_in_list_order(tmp_path):
    """The app's New project makes an empty project and scans it in the background (not
    through ``create_and_index``): its classes kept the colours they took as the scan
    found them (the sample: ankle_boot, first in the list, red; shirt blue)."""
    from pathlib import Path

    from labeldesk.core.create import create_empty
    from labeldesk.core.progress import CancelToken

    sample = Path(__file__).parents[2] / "sample_data" / "fashion"
    cancel = CancelToken()
    cancel.cancel()
    project = open_project(create_empty(tmp_path / "proj", sample))
    try:
        assert project.scan(cancel=cancel, workers=1).cancelled  # the first scan stopped
        project.scan(workers=1)  # and a rescan finished it
        assert [project.class_colours()[c] for c in project.classes()] == list(range(10))
        project.merge_classes("ankle_boot", "sneaker")
        after = project.class_colours()
        project.scan(workers=1)  # later scans keep the colours a merge left
        assert project.class_colours() == after and after["bag"] == 1
    finally:
        project.close()
