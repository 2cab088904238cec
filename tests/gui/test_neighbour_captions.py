"""A neighbour's class is readable under its tile: the browser's neighbours (70 px a
tile) showed "ankle_b…" for the sample's ankle_boot, and a longer name was cut the same
way under the review's neighbours. A name now breaks onto a second line after "_", "-"
or a space; only a name too long for two lines ends in "…" (whole on hover)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage
from PySide6.QtWidgets import QStyle

from gui.shown import shown
from labeldesk.gui.detail_panel import DetailPanel, Neighbour
from labeldesk.gui.neighbour_strip import NEIGHBOUR_SIDE, NeighbourStrip
from labeldesk.gui.tile_caption import caption_lines

LONG = "sleeved_pullover"  # wider than a browser tile, each part narrower
LONGER = "sleeved_pullover_coat"  # wider than a review tile, each part narrower
TOO_LONG = "long-sleeved-pullover-with-a-hood-and-pockets"


def test_a_name_breaks_after_its_underscores_hyphens_and_spaces(qapp):
    metrics = QFontMetrics(QFont())
    width = metrics.horizontalAdvance("ankle_boot") - 1
    assert caption_lines("ankle_boot", metrics, width) == ["ankle_", "boot"]
    assert caption_lines("ankle_boot", metrics, width + 1) == ["ankle_boot"]
    assert caption_lines("coat and hat", metrics, metrics.horizontalAdvance("coat and")) == [
        "coat and",
        "hat",
    ]
    lines = caption_lines(TOO_LONG, metrics, 96)
    assert len(lines) == 2 and lines[1].endswith("…")
    assert all(metrics.horizontalAdvance(line) <= 96 for line in lines)
    # one piece wider than the tile is broken inside, not drawn past its edge
    lines = caption_lines("abcdefghijklmnopqrstuvwxyz", metrics, 60)
    assert all(metrics.horizontalAdvance(line) <= 60 for line in lines)
    assert (
        lines[0] + lines[1].rstrip("…")
        == "abcdefghijklmnopqrstuvwxyz"[: len(lines[0] + lines[1]) - 1]
    )


@pytest.fixture
def panel(qtbot, project):
    widget = DetailPanel(project)
    shown(qtbot, widget, (280, 700))
    yield widget
    widget.shutdown()


def test_the_browsers_neighbours_show_each_class_whole(qtbot, panel):
    panel.show_neighbours(
        [Neighbour(11, "a.png", LONG, 0.9), Neighbour(12, "b.png", "ankle_boot", 0.8)]
    )
    strip = panel.neighbours
    style = strip.style()
    margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, strip) + 1
    metrics = strip.fontMetrics()
    for row, name in enumerate([LONG, "ankle_boot"]):
        item = strip.item(row)
        room = strip.visualItemRect(item).width() - 2 * margin
        lines = item.text().split("\n")[:-1]  # (the last: its similarity)
        assert "".join(lines) == name  # whole, not "long_sle…"
        assert all(metrics.horizontalAdvance(line) <= room for line in lines), lines
        said = item.data(Qt.ItemDataRole.AccessibleTextRole)
        assert said.startswith(f"{name}, ")  # said whole
    # every tile keeps room for the two lines and the similarity: the rows stay in line
    assert strip.gridSize().height() >= 60 + 22 + 2 * metrics.lineSpacing()


def solid() -> QImage:
    image = QImage(8, 8, QImage.Format.Format_RGB888)
    image.fill(QColor("red"))
    return image


def test_the_reviews_neighbours_show_each_class_whole(qtbot):
    strip = NeighbourStrip()
    qtbot.addWidget(strip)
    strip.show()
    qtbot.waitExposed(strip)
    strip.show_neighbours([("a.png", LONGER, solid(), 0.9), ("b.png", "coat", solid(), 0.8)])
    qtbot.wait(10)
    (_, long_caption), (_, short_caption) = strip.tiles[:2]
    metrics = long_caption.fontMetrics()
    lines = long_caption.text().split("\n")
    assert "".join(lines) == LONGER and not long_caption.is_cut()
    assert all(metrics.horizontalAdvance(line) <= NEIGHBOUR_SIDE for line in lines)
    assert LONGER in long_caption.toolTip()
    # a one-line name's caption keeps the second line's room: the tiles stay in line
    short_height = short_caption.height()
    assert short_height == long_caption.height() >= 2 * metrics.lineSpacing()
    assert strip.labels() == [LONGER, "coat"]
    strip.keep_room_for(["coat", "bag"])  # the review keeps the room its project's names need
    assert long_caption.minimumHeight() < 2 * metrics.lineSpacing()


def test_a_name_too_long_for_two_lines_is_cut_and_whole_on_hover(qtbot):
    """(As before, where it was cut on one line: a guard of the second line's end.)"""
    strip = NeighbourStrip()
    qtbot.addWidget(strip)
    strip.show_neighbours([("a.png", TOO_LONG, solid(), 0.9)])
    caption = strip.tiles[0][1]
    assert caption.text().endswith("…") and len(caption.text().split("\n")) == 2
    assert TOO_LONG in caption.toolTip()


def test_each_neighbour_shows_its_similarity_under_its_class(qtbot, panel):
    """The browser's nearest neighbours say how similar each is, as the review's strip
    does ("93% similar"): they showed the class alone, so an exact copy of the image
    (100%, the same picture in another split: leakage) looked like any look-alike unless
    hovered."""
    panel.show_neighbours(
        [
            Neighbour(11, "test/cat/copy.png", "cat", 1.0),
            Neighbour(12, "train/dog/b.png", "dog", 0.834),
            Neighbour(13, "_unlabeled/u.png", None, 0.5),
        ]
    )
    strip = panel.neighbours
    texts = [strip.item(row).text().split("\n") for row in range(strip.count())]
    assert [t[-1] for t in texts] == ["100%", "83%", "50%"]
    assert [t[0] for t in texts] == ["cat", "dog", "unlabeled"]
    assert len({len(t) for t in texts}) == 1  # the similarities level with each other
    said = strip.item(0).data(Qt.ItemDataRole.AccessibleTextRole)
    assert said == "cat, 100% similar"
    # each tile has room for its lines: the similarity is not cut off
    metrics = strip.fontMetrics()
    row = strip.gridSize().height()
    assert row >= 60 + 22 + (len(texts[0]) - 1) * metrics.lineSpacing()
