"""A browser window moved to a screen of another scale loads its tiles again at that
screen's pixels: the thumbnail side was fixed when the project view was made, so a window
moved from a screen at 100 % to one at 200 % kept 112-px tiles, drawn twice as large and
soft. Run in a child process on two offscreen screens (tests/gui/screen_move_facts.py):
a screen's scale is fixed when Qt starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from gui.child_screens import facts_on_screens

FACTS = Path(__file__).with_name("screen_move_facts.py")
SCREENS = [
    {"name": "one", "x": 0, "y": 0, "width": 800, "height": 600, "logicalDpi": 96,
     "logicalBaseDpi": 96, "dpr": 1},
    {"name": "two", "x": 800, "y": 0, "width": 1600, "height": 1200, "logicalDpi": 96,
     "logicalBaseDpi": 96, "dpr": 1},
]  # fmt: skip


@pytest.fixture(scope="module")
def moved(tmp_path_factory) -> dict:
    scales = {"QT_SCREEN_SCALE_FACTORS": "one=1;two=2"}
    return facts_on_screens(FACTS, tmp_path_factory.mktemp("screens"), SCREENS, scales)


def test_the_child_had_a_screen_at_each_scale(moved):
    assert moved["ratios"] == [1.0, 2.0]
    assert moved["moved"]


def test_tiles_load_again_at_the_new_screens_pixels(moved):
    from labeldesk.gui.tile_delegate import TileMetrics

    side = TileMetrics().image_side
    assert moved["first"] == side  # 600 x 450 fitted in 112 layout = 112 screen pixels
    assert moved["second"] == 2 * side  # was 112 still, drawn at 224 and smoothed


def test_no_tile_of_the_old_side_is_shown_after_the_move(moved):
    assert not moved["old_kept"]  # dropped, loaded again: never drawn stretched


def test_the_detail_panels_neighbour_tiles_follow_too(moved):
    """They kept the pixmaps made at the old scale until another image was selected:
    60-px tiles drawn at 120 screen pixels, soft (600 x 450 fitted in 60 layout px)."""
    from labeldesk.gui.detail_neighbours import NEIGHBOUR_ICON

    assert moved["neighbour_first"] == NEIGHBOUR_ICON
    assert moved["neighbour_second"] == 2 * NEIGHBOUR_ICON
    assert not moved["neighbour_old_kept"]  # blank until loaded again, never stretched
