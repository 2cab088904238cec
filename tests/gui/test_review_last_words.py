"""The review page's words, read by a new annotator: "(Z undoes it)" wrapped, leaving
"it)" alone on a line; a redo read "Last: Redid: …"; a pass where every label was kept
ended saying the scores came "before your corrections" (there were none); and the queue
said "Enter label coat" over an image already labeled coat."""

from __future__ import annotations

from PySide6.QtCore import Qt

from labeldesk.gui.review_words import end_of_issues_notice, last_decision_text


def read(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u2011", "-")


def test_the_way_back_wraps_as_one_piece():
    text = last_decision_text("_unlabeled/u12.png → bee")
    assert read(text) == "Last: _unlabeled/u12.png → bee (Z undoes it)"
    assert text.endswith(" (Z\u00a0undoes\u00a0it)")  # never "it)" alone on a line


def test_a_redo_says_redone_under_the_next_image(qtbot, issues_view):
    first = issues_view.session.current
    qtbot.keyClick(issues_view, Qt.Key.Key_Return)  # accept the suggestion
    qtbot.keyClick(issues_view, Qt.Key.Key_Z)
    qtbot.keyClick(issues_view, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    said = read(issues_view.info.last_label.text())
    assert said == f"Redone: {first.path} → {first.suggested} (Z undoes it)"


def test_a_pass_where_every_label_was_kept_does_not_speak_of_corrections(qtbot, issues_view):
    for _ in range(len(issues_view.session.items)):
        qtbot.keyClick(issues_view, Qt.Key.Key_Space)  # keep: the label is right
    assert issues_view.session.finished
    text = issues_view.notice.text()
    kept = len(issues_view.session.items)
    assert text.startswith(f"All reviewed: {kept} kept. No label was changed, so the scores")
    assert "corrections" not in text
    assert "without the labels you kept" in text
    corrected = end_of_issues_notice({"a": "keep", "b": "relabel"})
    assert "computed before your corrections" in corrected  # a relabel: they predate it


def test_the_queue_does_not_offer_to_label_an_image_with_its_own_label(qtbot, queue_view):
    session = queue_view.session
    item = session.current
    classes = queue_view.project.classes()
    qtbot.keyClick(queue_view, Qt.Key.Key_Return)  # labeled with the suggestion
    qtbot.keyClick(queue_view, Qt.Key.Key_Left)  # back to it
    assert session.current.path == item.path
    assert session.current.label == item.suggested
    hint = read(queue_view.info.hint.text())
    assert not hint.startswith("Enter")  # Enter would give it the label it has
    assert hint.startswith("1 ")
    other = next(c for c in classes if c != item.suggested)
    qtbot.keyClick(queue_view, Qt.Key(Qt.Key.Key_1 + classes.index(other)))  # another class
    qtbot.keyClick(queue_view, Qt.Key.Key_Left)
    assert session.current.label == other
    assert read(queue_view.info.hint.text()).startswith(f"Enter relabel {item.suggested} ")


def test_the_queues_badge_says_labeled_not_relabeled(qtbot, queue_view):
    """Back on a queue image given a class with a key, the badge read "Decided:
    relabeled, now ant": the image had no label, nothing was relabeled."""
    session = queue_view.session
    item = session.current
    qtbot.keyClick(queue_view, Qt.Key.Key_1)  # the first class, the person's choice
    qtbot.keyClick(queue_view, Qt.Key.Key_Left)  # back to it
    assert session.current.path == item.path
    first = queue_view.project.classes()[0]
    assert queue_view.info.decision_label.text() == f"✓ Decided: labeled {first}"
    qtbot.keyClick(queue_view, Qt.Key.Key_Right)
    accepted = session.current
    qtbot.keyClick(queue_view, Qt.Key.Key_Return)  # the model's guess
    qtbot.keyClick(queue_view, Qt.Key.Key_Left)
    assert session.current.path == accepted.path
    said = queue_view.info.decision_label.text()
    assert said == f"✓ Decided: labeled {accepted.suggested}, the model's guess"
