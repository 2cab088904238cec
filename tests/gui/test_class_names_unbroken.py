"""A hyphenated class name ("t-shirt_top") in running text wraps as one word: the
detail panel's and the review's (and the queue's) Model line broke it at its hyphen
("… label t-" / "shirt_top looks wrong"), as the selection banner did before. Nothing
visible is added, and a copy of the text is the class name as typed."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTextBoundaryFinder
from PySide6.QtGui import QGuiApplication

from labeldesk.browse.image_records import Insight
from labeldesk.browse.review_session import ReviewItem
from labeldesk.gui.detail_panel import DetailPanel
from labeldesk.gui.review_info import ReviewInfo


def break_points(text: str) -> set[int]:
    finder = QTextBoundaryFinder(QTextBoundaryFinder.BoundaryType.Line, text)
    points = set()
    while (at := finder.toNextBoundary()) != -1:
        points.add(at)
    return points


def assert_kept_whole(shown: str, name: str, plain: str) -> None:
    """``name`` cannot wrap inside ``shown``, which reads as ``plain``."""
    joined = name.replace("-", "-\u2060")
    written = joined if joined in shown else name
    at = shown.index(written)
    end = at + len(written)
    assert not any(at < p < end for p in break_points(shown)), shown
    assert shown.replace("\u2060", "") == plain


def flagged() -> Insight:
    return Insight("shirt", 0.61, 0.9, True, "shirt", float("nan"), (), (), "shirt", 0.61)


def test_the_detail_panel_model_line_keeps_the_class_whole(qtbot, project):
    panel = DetailPanel(project)
    qtbot.addWidget(panel)
    opinion = "Model: probably shirt (61%) — label t-shirt_top looks wrong"
    panel.show_insight(flagged(), "t-shirt_top", opinion)
    plain = "probably shirt (61%) — label t-shirt_top looks wrong"
    assert_kept_whole(panel.fields["Model"].text(), "t-shirt_top", plain)
    assert panel.fields["Model"].toolTip().replace("\u2060", "") == plain
    panel.show_many({"coat": 1, "t-shirt_top": 2, "shirt": 0})
    assert_kept_whole(panel.fields["Label"].text(), "t-shirt_top", "t-shirt_top: 2, coat: 1")
    panel.shutdown()


def test_the_review_model_line_keeps_the_class_whole(qtbot):
    info = ReviewInfo()
    qtbot.addWidget(info)
    item = ReviewItem("train/t-shirt_top/a.png", "t-shirt_top", "shirt", 0.9, 0.61)
    info.show_item(item, place=None, hint="")
    assert_kept_whole(
        info.suggested_label.text(),
        "t-shirt_top",
        "probably shirt (61%) — label t-shirt_top looks wrong",
    )


def test_text_copied_from_a_label_is_the_class_name_as_typed(qtbot, qapp, monkeypatch):
    from labeldesk.gui.word_joiner import copy_without_joiners

    clipboard = QGuiApplication.clipboard()
    # the app's own copy (the offscreen platform says it owns nothing); another
    # program's clipboard is left as it is
    monkeypatch.setattr(clipboard, "ownsClipboard", lambda: True)
    copy_without_joiners(qapp)
    info = ReviewInfo()
    qtbot.addWidget(info)
    info.suggested_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    info.show_item(ReviewItem("a.png", "t-shirt_top", "shirt", 0.9, 0.61), place=None, hint="")
    label = info.suggested_label
    label.setSelection(0, len(label.text()))
    clipboard.setText(label.selectedText())  # as the label's Copy does
    qtbot.waitUntil(lambda: "\u2060" not in clipboard.text())
    assert clipboard.text().endswith("label t-shirt_top looks wrong")


def test_the_reviews_last_decision_keeps_the_class_whole(qtbot, clustered):
    """The line under the next image ("Last: PATH → t-shirt_top (Z undoes it)") broke the
    class at its hyphen, at the right edge of the review at 1280×720; the path in it still
    wraps where it did."""
    from gui.review_views import open_review
    from labeldesk.gui.workers import JobRunner

    project, _ = clustered
    first = project.classes()[0]
    project.rename_class(first, "t-shirt_top")
    runner = JobRunner()
    review = open_review(qtbot, project, runner, "issues")
    try:
        path = review.session.current.path
        qtbot.keyClick(review, Qt.Key.Key_1)  # the first class: t-shirt_top
        shown = review.info.last_label.text()
        plain = f"Last: {path} → t-shirt_top (Z\u00a0undoes\u00a0it)"  # (one piece)
        assert_kept_whole(shown, "t-shirt_top", plain)
        assert path in shown  # the path as it was: it may still wrap at its own hyphens
    finally:
        review.shutdown()
        runner.pool.waitForDone(10000)
        runner.shutdown()


def test_only_a_name_standing_alone_is_joined():
    from labeldesk.gui.word_joiner import unbroken_names_in

    text = "Kept t-shirt_top for test/t-shirt_top/fmnist-test-6.png"
    shown = unbroken_names_in(text, ["t-shirt_top", "coat"])
    assert shown == "Kept t-\u2060shirt_top for test/t-shirt_top/fmnist-test-6.png"
