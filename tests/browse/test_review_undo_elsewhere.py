"""A decision of a review pass undone outside it (Edit → Undo, the history) no longer
counts: its image is undecided again, so the pass cannot end "All reviewed" with the
change taken back."""

from __future__ import annotations

from browse.review_items import CAT0, CAT1, CAT2, issues, label_of


def test_an_undone_decision_is_forgotten_and_its_image_shown_again(project):
    session = issues(project, CAT0, CAT1, CAT2)
    session.accept()
    session.accept()
    assert session.current is not None and session.current.path == CAT2
    undone = project.undo()  # the newest batch: CAT1's accept
    assert label_of(project, CAT1) == "cat"
    assert session.forget_undone(undone.undone_batch_id)
    assert session.decisions == {CAT0: "accept"}
    assert (session.reviewed, session.remaining) == (1, 2)
    assert session.current is not None and session.current.path == CAT1
    session.keep()
    session.keep()
    assert session.finished and session.decisions == {CAT0: "accept", CAT1: "keep", CAT2: "keep"}


def test_the_passes_own_undo_is_not_forgotten_twice(project):
    session = issues(project, CAT0, CAT1)
    session.accept()
    session.accept()
    batches = [d.batch for d in session._done]
    session.undo()  # Z: takes back CAT1's accept itself
    assert not session.forget_undone(batches[1])  # the event it published changes nothing
    assert session.decisions == {CAT0: "accept"}


def test_undoing_a_second_decision_on_an_image_leaves_the_first(project):
    session = issues(project, CAT0, CAT1)
    session.accept()  # CAT0 -> dog
    session.move(-1)
    session.assign("cat")  # back on CAT0: relabeled again
    undone = project.undo()  # the relabel
    assert session.forget_undone(undone.undone_batch_id)
    assert session.decisions == {CAT0: "accept"}
    assert label_of(project, CAT0) == "dog"
    assert session.current is not None and session.current.path == CAT1
