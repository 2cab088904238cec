"""The selection banner after a confusion-matrix click agrees in number ("Showing 1 image
labeled coat that the model thought was pullover …", not "… thought were pullover") and
keeps a hyphenated class name ("t-shirt_top") on one line."""

from __future__ import annotations

from gui.test_class_names_unbroken import break_points
from labeldesk.browse.confusion import cell_description
from labeldesk.gui.selection_banner import SelectionBanner


def test_one_image_from_a_cell_is_said_in_the_singular(qtbot):
    banner = SelectionBanner()
    qtbot.addWidget(banner)
    banner.say(cell_description(None, "coat", "pullover", 1), shown=1, total=1)
    assert banner.text.text() == (
        "Showing 1 image labeled coat that the model thought was pullover when the cell was opened"
    )
    banner.say(cell_description("test", "coat", "pullover", 3), shown=3, total=3)
    assert banner.text.text() == (
        "Showing 3 images labeled coat that the model thought were pullover (in test) when the "
        "cell was opened"
    )
    banner.say(cell_description(None, "coat", "coat", 1), shown=0, total=1)
    assert banner.text.text() == (
        "Showing 0 of the 1 image labeled coat that the model also thought was coat when the "
        "cell was opened (narrowed by the filters)"
    )


def test_a_hyphenated_class_name_is_not_broken_across_lines(qtbot):
    banner = SelectionBanner()
    qtbot.addWidget(banner)
    banner.say(cell_description(None, "t-shirt_top", "shirt", 2), shown=2, total=2)
    shown = banner.text.text()
    start = shown.index("t-")
    end = shown.index("_top") + len("_top")
    assert not any(start < at < end for at in break_points(shown)), shown
    # still reads as the class name (nothing visible added)
    assert shown.replace("\u2060", "") == (
        "Showing 2 images labeled t-shirt_top that the model thought were shirt when the cell "
        "was opened"
    )
