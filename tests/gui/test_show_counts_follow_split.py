"""The sidebar's *Images* list counts within the chosen split, as the class list above
it does: with *test* picked, both said "All images" but one 4 and the other 19."""

from __future__ import annotations

from labeldesk.browse.image_records import SHOW_CHOICES


def _count(box, show: str) -> str:
    return box.itemText(SHOW_CHOICES.index(show))


def test_the_images_choices_count_the_split_picked(qtbot, view):
    sidebar = view.sidebar
    assert _count(sidebar.show_box, "all") == "All images (19)"
    sidebar.select_split("test")
    assert sidebar.class_list.topLevelItem(0).text(2) == "4"  # "All images" in test
    assert _count(sidebar.show_box, "all") == "All images (4)"
    assert _count(sidebar.show_box, "labeled") == "Labeled (4)"
    assert _count(sidebar.show_box, "unlabeled") == "Unlabeled (0)"
    assert view.model.rowCount() == 4
    sidebar.select_split(None)
    assert _count(sidebar.show_box, "unlabeled") == "Unlabeled (3)"
