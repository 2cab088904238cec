"""The selection banner counts one image as one ("Showing 1 images added from the drift
check" after adding one image from the Drift page)."""

from __future__ import annotations

from labeldesk.gui.selection_banner import SelectionBanner


def test_one_image_is_said_in_the_singular(qtbot):
    banner = SelectionBanner()
    qtbot.addWidget(banner)
    banner.say("added from the drift check", shown=1, total=1)
    assert banner.text.text() == "Showing 1 image added from the drift check"
    banner.say("selected on the map", shown=1, total=3)
    assert banner.text.text() == (
        "Showing 1 of the 3 images selected on the map (narrowed by the filters)"
    )
    banner.say("selected on the map", shown=0, total=1)
    assert banner.text.text() == (
        "Showing 0 of the 1 image selected on the map (narrowed by the filters)"
    )
    banner.say("selected on the map", shown=1200, total=1200)
    assert banner.text.text() == "Showing 1,200 images selected on the map"
