"""Statistics on a 1280 × 720 laptop screen: the page the window leaves it (less the
desktop's panel, the title bar, the menus and the status bar) is about 1280 × 600. The
dataset's rows and the duplicates' shared a column half the page high, which then
scrolled: "Leaking groups" (and more with a partial Embeddings row) was cut off until
scrolled to. The duplicates now sit above the training history, and nothing scrolls."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QScrollArea

from gui.stats_pages import model_stats, show_duplicate_counts
from labeldesk.gui import stats_view
from labeldesk.ml.unfinished import EmbeddingCoverage


def _inside(widget, label) -> bool:
    """``label`` shows whole inside ``widget`` (not cut by a scroll area or the page)."""
    top = label.mapTo(widget, label.rect().topLeft())
    scroll = next((p for p in _parents(label) if isinstance(p, QScrollArea)), None)
    if scroll is not None and scroll.verticalScrollBar().value():
        return False
    if scroll is not None:
        in_view = label.mapTo(scroll.viewport(), label.rect().bottomLeft()).y()
        if in_view >= scroll.viewport().height():
            return False
    return label.isVisible() and top.y() >= 0 and top.y() + label.height() <= widget.height()


def _parents(widget):
    parent = widget.parentWidget()
    while parent is not None:
        yield parent
        parent = parent.parentWidget()


@pytest.mark.parametrize("size", [(1280, 600), (1920, 960)])
def test_the_summary_and_duplicates_show_without_scrolling(qtbot, trained_head, monkeypatch, size):
    trained, _ = trained_head
    images = len(trained.images())
    partial = EmbeddingCoverage("tiny:48", images // 2, images)  # its row shows
    monkeypatch.setattr(stats_view, "embedding_coverage", lambda _: partial)
    widget, _ = model_stats(qtbot, trained)
    try:
        show_duplicate_counts(widget, monkeypatch, {"exact": 12, "near": 34, "leaking": 3})
        widget.show()
        widget.resize(*size)
        embeddings = widget.summary_labels["embeddings"]
        qtbot.waitUntil(lambda: embeddings.isVisible() and widget.height() == size[1])
        qtbot.wait(50)
        (side,) = [
            s
            for s in widget.findChildren(QScrollArea)
            if s.accessibleName().startswith("Dataset summary")
        ]
        assert side.verticalScrollBar().maximum() == 0  # nothing to scroll to
        for scroll in widget.findChildren(QScrollArea):  # (nor in the history's column)
            assert scroll.verticalScrollBar().maximum() == 0, scroll.accessibleName()
        for key, label in widget.summary_labels.items():
            assert _inside(widget, label), key
            assert label.height() >= label.heightForWidth(label.width()), key  # whole
        assert widget.history.height() >= 3 * widget.history.verticalHeader().defaultSectionSize()
        assert widget.confusion.height() > widget.confusion.verticalHeader().length() / 2
    finally:
        widget.shutdown()
