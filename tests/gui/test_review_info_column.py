"""The review's side panel keeps its values' column in one place from one image to the
next: the room the captions left was shared between the two columns by what each image's
lines asked, so "unlabeled", the model's line and the place in the queue moved sideways
by some 20 px between two images of the labeling queue."""

from __future__ import annotations

from labeldesk.browse.review_session import ReviewItem
from labeldesk.gui.review_info import ReviewInfo

HINT = "Enter label shirt (the model is unsure: check it) · 1 ankle-boot, 2 bag, 3 coat"


def test_the_values_column_stays_where_it_is(qtbot):
    info = ReviewInfo()
    qtbot.addWidget(info)
    info.resize(info.width(), 600)
    info.show()
    qtbot.waitExposed(info)
    shown = [
        (ReviewItem("_unlabeled/a.png", None, "shirt", 0.3, 0.3), ""),
        (
            ReviewItem("_unlabeled/b.png", None, "long-sleeved-pullover-with-hood", 0.3, 0.38),
            "Last: _unlabeled/a.png → t-shirt-top (Z undoes it)",
        ),
    ]
    places = []
    for n, (item, last) in enumerate(shown):
        info.show_item(item, place=f"{n + 1} of 25", hint=HINT)
        info.show_last(last)
        qtbot.wait(10)
        places.append({info.given_label.x(), info.suggested_label.x(), info.score_label.x()})
    assert len(places[0]) == 1 and places[0] == places[1]
    assert info.value_width() >= info.given_label.width()  # wraps as it was told it would
