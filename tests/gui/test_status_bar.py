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


def test_the_message_is_fitted_again_when_the_room_changes(qtbot, window, monkeypatch):
    bar = window.statusBar()
    window.resize(1600, 800)
    window.counts_label.setText("600 images · 401 labeled")
    qtbot.waitUntil(lambda: window.counts_label.geometry().left() > 0)
    message = "Embeddings ready: " + "every image of the project has its vector now; " * 2
    window.show_message(message)
    assert shown(bar) == message  # it fits
    fits = []
    real = ElidingStatusBar._fit
    monkeypatch.setattr(ElidingStatusBar, "_fit", lambda self: fits.append(1) or real(self))
    window.job_widget.show()  # a job starts: less room
    window.resize(800, 800)
    qtbot.waitUntil(lambda: shown(bar).endswith("…"), timeout=3000)
    assert bar.fontMetrics().horizontalAdvance(shown(bar)) <= bar.room()
    assert bar.currentMessage() == message and bar.toolTip() == message
    qtbot.wait(300)
    settled = len(fits)
    qtbot.wait(300)
    assert len(fits) == settled < 10  # fitting settles: no loop of show, hide, fit


def test_a_message_given_while_hidden_is_fitted_when_shown(qtbot):
    from labeldesk.gui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(700, 500)
    long = "Cannot open /somewhere/a project: " + "it is not a LabelDesk project " * 6
    window.show_message(long)  # before show(), as a quiet failure at start-up
    window.show()
    qtbot.waitExposed(window)
    bar = window.statusBar()
    qtbot.waitUntil(lambda: shown(bar).endswith("…"), timeout=3000)
    assert bar.currentMessage() == long
    window.close()


def test_a_status_tip_of_qts_own_leaves_no_stale_message(qtbot, window):
    from PySide6.QtGui import QStatusTipEvent
    from PySide6.QtWidgets import QApplication

    window.resize(1024, 640)
    window.counts_label.setText("600 images · 401 labeled · 199 unlabeled · showing 600")
    window.job_widget.show()
    qtbot.waitUntil(lambda: window.counts_label.geometry().left() > 0)
    window.show_message("Training finished: " + "the head is now the one in use; " * 6)
    assert not window.counts_label.isVisible()
    QApplication.sendEvent(window, QStatusTipEvent("Open a project"))
    bar = window.statusBar()
    assert bar.currentMessage() == "Open a project" and bar.toolTip() == ""
    assert window.counts_label.isVisible()


def test_the_message_is_fitted_again_when_the_counts_grow(qtbot, window):
    bar = window.statusBar()
    window.resize(1000, 640)
    qtbot.wait(50)
    message = "y" * 5
    while bar.fontMetrics().horizontalAdvance(message + "y") <= bar.room():
        message += "y"
    window.show_message(message)
    assert shown(bar) == message
    window.counts_label.setText("600 images · 401 labeled · 199 unlabeled · showing 600")
    # fitted again: the counts step aside for it (it was drawn past them, cut off)
    qtbot.waitUntil(lambda: not window.counts_label.isVisible(), timeout=3000)
    assert bar.fontMetrics().horizontalAdvance(shown(bar)) <= bar.room()


def test_no_fit_is_left_queued_for_a_deleted_bar(qtbot):
    import shiboken6
    from PySide6.QtWidgets import QApplication

    from labeldesk.gui.main_window import MainWindow

    window = MainWindow()
    window.show()
    qtbot.waitExposed(window)
    window.show_message("hello " * 50)
    window.resize(700, 500)
    window.job_widget.show()
    errors: list[BaseException] = []
    with qtbot.capture_exceptions() as caught:
        shiboken6.delete(window)
        QApplication.processEvents()
        qtbot.wait(50)
    errors.extend(e for _, e, _ in caught)
    assert errors == []


def test_a_click_on_a_shortened_message_opens_the_whole_of_it(qtbot, window):
    """Its tooltip waits for a still pointer and goes when it moves, with nothing to say
    it is there: the pointer is a hand over a shortened message, and a click opens the
    whole of it over the bar, wrapped to fit the window, selectable."""
    from PySide6.QtCore import QPoint, Qt

    window.resize(1280, 720)
    bar = window.statusBar()
    window.counts_label.setText("600 images · 401 labeled · 199 unlabeled · showing 600")
    qtbot.waitUntil(lambda: window.counts_label.geometry().left() > 0)
    long = "Training finished: " + "the first head trained on these embeddings; " * 8
    window.show_message(long)
    assert shown(bar).endswith("…")
    assert bar.cursor().shape() == Qt.CursorShape.PointingHandCursor
    assert window.counts_label.cursor().shape() == Qt.CursorShape.ArrowCursor
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=QPoint(40, bar.height() // 2))
    whole = bar.whole_message
    qtbot.waitUntil(whole.isVisible, timeout=2000)
    assert whole.label.text() == long
    label = whole.label
    assert label.height() >= label.heightForWidth(label.width())  # no line cut off
    at = whole.frameGeometry()
    top_of_bar = bar.mapToGlobal(QPoint(0, 0)).y()
    assert at.bottom() < top_of_bar and at.width() == 640  # (the bar is wider)
    assert label.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    qtbot.keyClick(whole, Qt.Key.Key_Escape)
    assert not whole.isVisible()
    window.show_message("Saved.")  # whole: no hand, and a click opens nothing
    assert bar.cursor().shape() == Qt.CursorShape.ArrowCursor
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=QPoint(20, bar.height() // 2))
    assert not whole.isVisible()
