"""A class keeps its colour in the grid's tiles and the class list when a class before it
is merged away: bee went from the 4th colour to the 3rd (its place) after cat was merged
into dog, so an annotator's colour memory was wrong."""

from __future__ import annotations

from labeldesk.gui.tile_delegate import class_color


def swatch(view, name: str) -> str:
    tree = view.sidebar.class_list
    for i in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(i)
        if item.text(1) == name:
            return item.icon(1).pixmap(12, 12).toImage().pixelColor(6, 6).name()
    raise AssertionError(f"no {name} in the class list")


def tile_colour(view, path: str) -> str:
    row = next(r for r in range(view.model.rowCount()) if view.model.path(r) == path)
    return class_color(view.model.tile(row).colour_slot).name()


def test_merging_a_class_leaves_the_colours_of_the_others(qtbot, view, project):
    project.add_classes(["ant", "bee"])  # cat dog ant bee
    project.set_label("_unlabeled/u0.png", "bee")
    qtbot.waitUntil(lambda: view.catalog is not None and "bee" in view.catalog.classes)
    qtbot.waitUntil(lambda: view.model.tile(0) is not None)
    qtbot.waitUntil(lambda: tile_colour(view, "_unlabeled/u0.png") != class_color(-1).name())
    bee, dog = swatch(view, "bee"), swatch(view, "dog")
    assert tile_colour(view, "_unlabeled/u0.png") == bee
    assert view.class_actions.merge("cat", "dog")
    qtbot.waitUntil(lambda: view.catalog.classes == ["dog", "ant", "bee"])
    qtbot.waitUntil(
        lambda: (
            "cat"
            not in [
                view.sidebar.class_list.topLevelItem(i).text(1)
                for i in range(view.sidebar.class_list.topLevelItemCount())
            ]
        )
    )
    assert (swatch(view, "bee"), swatch(view, "dog")) == (bee, dog)
    assert tile_colour(view, "_unlabeled/u0.png") == bee
