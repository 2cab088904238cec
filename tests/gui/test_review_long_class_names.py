"""Long class names on the review page are readable. The given label and the model's
line beside the image were cut off at the panel's edge ("coat-with-long-sleeves-" and
nothing more: the name was kept on one line, wider than the line); now a name longer
than the column wraps at its hyphens, and one that fits still stays whole. Under the
image, a neighbour's label centred in its 96 px tile lost both ends
("eved-pullover-wi"); now it goes on two lines, the second ending in "…", and the
tile's tooltip names it whole (tests/gui/test_neighbour_captions.py)."""

from __future__ import annotations

from itertools import pairwise

from PySide6.QtCore import QTextBoundaryFinder
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel

from labeldesk.browse.review_session import ReviewItem
from labeldesk.gui.neighbour_strip import NeighbourStrip
from labeldesk.gui.review_info import ReviewInfo

COAT = "coat-with-long-sleeves-and-buttons"
HOOD = "long-sleeved-pullover-with-hood"


def pieces(text: str) -> list[str]:
    """``text`` cut at every place a line may break."""
    finder = QTextBoundaryFinder(QTextBoundaryFinder.BoundaryType.Line, text)
    cuts, at = [0], 0
    while (at := finder.toNextBoundary()) != -1:
        cuts.append(at)
    return [text[a:b].strip() for a, b in pairwise(cuts) if text[a:b].strip()]


def readable(label: QLabel) -> bool:
    """The label's text fits its width: on one line, or wrapped where it may break."""
    metrics, room = label.fontMetrics(), label.contentsRect().width()
    if metrics.horizontalAdvance(label.text()) <= room:
        return True
    return label.wordWrap() and all(
        metrics.horizontalAdvance(p) <= room for p in pieces(label.text())
    )


def test_the_review_panel_wraps_a_class_name_longer_than_its_column(qtbot):
    info = ReviewInfo()
    qtbot.addWidget(info)
    info.resize(info.width(), 500)
    info.show()
    qtbot.waitExposed(info)
    item = ReviewItem(f"{COAT}/img1.png", COAT, HOOD, 0.01, 0.97, scored_label=COAT)
    info.show_item(item, place=None, hint="")
    qtbot.wait(10)
    for label in (info.given_label, info.suggested_label, info.score_label):
        assert readable(label), label.text()
    assert info.given_label.text().replace("\u2060", "") == COAT  # nothing else changed
    assert HOOD in info.suggested_label.text().replace("\u2060", "")

    short = ReviewItem("t-shirt/a.png", "t-shirt", "coat", 0.01, 0.97, scored_label="t-shirt")
    info.show_item(short, place=None, hint="")
    assert info.given_label.text() == "t-\u2060shirt"  # one that fits stays whole


def test_a_neighbours_long_label_ends_in_an_ellipsis_and_its_tip_names_it(qtbot):
    strip = NeighbourStrip()
    qtbot.addWidget(strip)
    strip.show()
    qtbot.waitExposed(strip)
    image = QImage(8, 8, QImage.Format.Format_RGB32)
    strip.show_neighbours([(f"{HOOD}/1.png", HOOD, image, 0.84), ("b/2.png", "bag", image, 0.8)])
    (picture, caption), (_, short) = strip.tiles[:2]
    shown = caption.shown_text()  # on two lines (tile_caption), the second cut
    lines = shown.split("\n")
    assert len(lines) == 2 and shown.endswith("…") and HOOD.startswith("".join(lines)[:-1])
    width = caption.contentsRect().width()
    assert all(caption.fontMetrics().horizontalAdvance(line) <= width for line in lines)
    for tile in (picture, caption, strip.similarity_labels[0]):
        assert f"Label: {HOOD}\n" in tile.toolTip()
        assert tile.toolTip().startswith(f"{HOOD}/1.png\n")
    assert short.shown_text() == "bag"


SHOE = "sneaker_low_top_canvas_training_shoe_for_everyday_use"  # no hyphen, no space


def test_a_name_of_underscores_wraps_on_the_model_line_and_the_keys_and_last_lines(qtbot):
    """A class (or model) name of underscores has no hyphen to wrap at: the model line
    showed "unsure, maybe sneaker_low_top_canvas_tr" and the keys line "8
    sneaker_low_top_canvas_training_shoe_for_ever", cut at the panel's edge. Each now
    wraps after an underscore (zero-width spaces, drawn as nothing)."""
    info = ReviewInfo()
    qtbot.addWidget(info)
    info.resize(info.width(), 600)
    info.show()
    qtbot.waitExposed(info)
    item = ReviewItem(f"{SHOE}/img1.png", "bag", SHOE, 0.01, 0.97, scored_label="bag")
    hint = f"Enter accept {SHOE} · 1 bag, 2\u00a0{SHOE} · Space keep"
    info.show_item(item, place=None, hint=hint)
    info.show_last(f"Last: {SHOE}/img0.png → {SHOE} (Z undoes it)")
    qtbot.wait(10)
    for label in (info.suggested_label, info.hint, info.last_label):
        assert readable(label), label.text()
        assert SHOE in label.text().replace("\u200b", "")  # nothing else changed
    info.show_decision(f"✓ Decided: labeled {SHOE}")  # the badge over a decided image
    qtbot.wait(10)
    for label in (info.decision_label,):
        assert readable(label), label.text()
        assert SHOE in label.text().replace("\u200b", "")  # nothing else changed
    assert info.given_label.text() == "bag"  # a name that fits is left as it was
