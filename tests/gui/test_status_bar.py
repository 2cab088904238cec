"""A status-bar message too long for the room beside the job bar ends in "…" and keeps
the whole text (tooltip, currentMessage): it was cut off mid-word with no sign."""

from __future__ import annotations

from labeldesk.gui.status_bar import ElidingStatusBar


def test_a_long_message_is_shortened_with_an_ellipsis_and_kept_whole(qtbot, window):
    bar = window.statusBar()
    assert isinstance(bar, ElidingStatusBar)
    window.counts_label.setText("600 images · 401 labeled · 199 unlabeled · showing 600")
    window.job_widget.show()
    qtbot.wait(50)  # laid out
    long = "Training finished: " + "the classifier head is now the one in use; " * 6
    window.show_message(long)
    shown = bar.fontMetrics().horizontalAdvance(super(ElidingStatusBar, bar).currentMessage())
    assert super(ElidingStatusBar, bar).currentMessage().endswith("…")
    assert shown <= bar.room()
    assert bar.currentMessage() == long and bar.toolTip() == long
    window.show_message("Saved.")  # fits: as it is, no tooltip
    assert super(ElidingStatusBar, bar).currentMessage() == "Saved." and bar.toolTip() == ""
    bar.clearMessage()
    assert bar.currentMessage() == ""
