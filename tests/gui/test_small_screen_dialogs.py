"""On a small screen (a 1366 × 768 laptop at 125 % is 1093 × 614 layout pixels) the
dialogs that open at a fixed size open no larger than the screen: the Keyboard shortcuts
list (640 × 620) and the duplicate groups (980 × 680) had their Close buttons below the
screen's edge. The dialogs are opened in a child process on an offscreen screen of that
size (tests/gui/small_screen_facts.py): a screen's size is fixed when Qt starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from gui.child_screens import facts_on_screens

FACTS = Path(__file__).with_name("small_screen_facts.py")
SCREEN = {"name": "laptop", "x": 0, "y": 0, "width": 1093, "height": 614,
          "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}  # fmt: skip


@pytest.fixture(scope="module")
def on_a_small_screen(tmp_path_factory) -> dict:
    return facts_on_screens(FACTS, tmp_path_factory.mktemp("small"), [SCREEN])


def inside(frame: list[int], screen: list[int]) -> bool:
    x, y, width, height = frame
    left, top, room_width, room_height = screen
    return (
        x >= left
        and y >= top
        and x + width <= left + room_width
        and y + height <= top + room_height
    )


def test_the_child_had_the_small_screen(on_a_small_screen):
    assert on_a_small_screen["screen"] == [0, 0, 1093, 614]


@pytest.mark.parametrize("dialog", ["shortcuts", "duplicates"])
def test_the_dialog_opens_within_the_screen_with_room_for_a_title_bar(on_a_small_screen, dialog):
    frame, screen = on_a_small_screen[dialog], on_a_small_screen["screen"]
    assert inside(frame, screen), (dialog, frame)
    assert frame[3] <= screen[3] - 40  # a window manager's title bar fits above it


REPORTED = ["export", "import", "version", "new_project", "cluster"]


@pytest.mark.parametrize("dialog", REPORTED)
def test_a_long_report_keeps_the_buttons_on_the_screen(on_a_small_screen, dialog):
    # 80 lines of left-out files grew the dialog past the screen's bottom, its buttons too
    facts, screen = on_a_small_screen[dialog], on_a_small_screen["screen"]
    assert inside(facts["long"], screen), (dialog, facts["long"])
    assert facts["long"][3] <= screen[3] - 40  # a window manager's title bar fits above it
    assert facts["button_bottom"] < screen[1] + screen[3]
    assert facts["scrolls"]  # the rest of the report scrolls into view


@pytest.mark.parametrize("dialog", REPORTED)
def test_a_short_report_after_a_long_one_gives_the_room_back(on_a_small_screen, dialog):
    facts = on_a_small_screen[dialog]
    assert facts["short_height"] == facts["short_hint"]  # as tall as it asks: no gap
    assert facts["short_height"] < facts["long"][3]
