"""A status-bar message too long for the room beside the job bar ends in "…" and keeps
the whole text (tooltip, currentMessage): it was cut off mid-word with no sign. The
counts step aside while it shows: beside a job bar at 1024 px it had room for 4 letters."""

from __future__ import annotations

from labeldesk.gui.status_bar import ElidingStatusBar


def shown(bar: ElidingStatusBar) -> str:
    return super(ElidingStatusBar, bar).currentMessage()  # as drawn, not as given


def test_a_long_message_is_shortened_with_an_ellipsis_and_kept_whole(qtbot, window):
    window.resize(1024, 640)
    bar = window.statusBar()
    assert isinstance(bar, ElidingStatusBar)
    window.counts_label.setText("600 images · 401 labeled · 199 unlabeled · showing 600")
    window.job_widget.show()
    qtbot.waitUntil(lambda: window.counts_label.geometry().left() > 0)
    room_beside_counts = bar.room()
    long = "Training finished: " + "the classifier head is now the one in use; " * 6
    window.show_message(long)
    assert not window.counts_label.isVisible()  # stepped aside for it
    assert shown(bar).endswith("…") and len(shown(bar)) > 40
    assert bar.fontMetrics().horizontalAdvance(shown(bar)) > room_beside_counts
    assert bar.currentMessage() == long and bar.toolTip() == long
    window.show_message("Saved.")  # fits beside them: as it is, counts back, no tooltip
    assert shown(bar) == "Saved." and bar.toolTip() == ""
    assert window.counts_label.isVisible()
    window.show_message(long)
    bar.clearMessage()  # (or its time is up)
    assert bar.currentMessage() == "" and window.counts_label.isVisible()
