"""Nothing under the annotator's eyes moves when they press a key on the Review page: the
"Last: … (Z undoes it)" line appeared over the key hint after the first decision (and
went again on Z or an arrow key), pushing the hint down a line each time. The panel now
keeps the room for that line."""

from __future__ import annotations

from PySide6.QtCore import Qt

from gui.review_views import open_review
from labeldesk.gui.workers import JobRunner


def test_the_key_hint_stays_put_when_the_last_decision_is_said(qtbot, clustered):
    project, _ = clustered
    runner = JobRunner()
    view = open_review(qtbot, project, runner, "issues")
    try:
        info = view.info
        qtbot.wait(50)  # laid out
        hint_at = info.hint.mapTo(info, info.hint.rect().topLeft()).y()
        assert info.last_label.text() == ""  # no decision yet
        qtbot.keyClick(view, Qt.Key.Key_3)  # a label: the view moves on and says it
        assert info.last_label.text().startswith("Last: ")
        qtbot.wait(50)  # laid out again
        assert info.last_label.height() >= info.last_label.heightForWidth(info.last_label.width())
        assert info.hint.mapTo(info, info.hint.rect().topLeft()).y() == hint_at
        qtbot.keyClick(view, Qt.Key.Key_Z)  # undone: back to the first image, no Last line
        qtbot.wait(50)
        assert info.last_label.text() == ""
        assert info.hint.mapTo(info, info.hint.rect().topLeft()).y() == hint_at
    finally:
        view.shutdown()
        runner.pool.waitForDone(10000)
        runner.shutdown()
