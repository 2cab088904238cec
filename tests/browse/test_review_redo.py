"""Redo in a review pass: the decision the pass's undo took back is made again, as the
project's redo (a new batch undo takes back), and the pass moves on; a new decision, or
a change made since, leaves nothing for it to redo."""

from __future__ import annotations

from browse.review_items import CAT0, CAT1, CAT2, issues, label_of


def test_redo_makes_the_undone_decision_again_and_moves_on(project):
    session = issues(project, CAT0, CAT1, CAT2)
    session.accept()
    session.accept()
    session.undo()  # CAT1 is cat again, and shown
    assert label_of(project, CAT1) == "cat" and session.current.path == CAT1
    assert session.redo() == f"Redid: {CAT1} → dog"
    assert label_of(project, CAT1) == "dog"
    assert session.decisions == {CAT0: "accept", CAT1: "accept"}
    assert session.current.path == CAT2 and (session.reviewed, session.remaining) == (2, 1)
    session.undo()  # the redo is an undoable step of the pass, like the decision
    assert label_of(project, CAT1) == "cat" and session.decisions == {CAT0: "accept"}
    assert session.redo() == f"Redid: {CAT1} → dog" and label_of(project, CAT1) == "dog"


def test_two_undos_are_redone_newest_first(project):
    session = issues(project, CAT0, CAT1, CAT2)
    session.accept()
    session.keep()
    session.undo()
    session.undo()
    assert label_of(project, CAT0) == "cat" and session.decisions == {}
    assert session.redo() == f"Redid: {CAT0} → dog"
    assert session.redo() == f"Redid: kept cat for {CAT1}"
    assert session.decisions == {CAT0: "accept", CAT1: "keep"}
    assert label_of(project, CAT0) == "dog" and label_of(project, CAT1) == "cat"
    assert session.redo() == "Nothing to redo in this review"


def test_a_new_decision_clears_what_redo_offers(project):
    session = issues(project, CAT0, CAT1)
    session.accept()
    session.undo()
    session.keep()  # CAT0 decided again, differently
    assert session.redo() == "Nothing to redo in this review"
    assert label_of(project, CAT0) == "cat" and session.decisions == {CAT0: "keep"}


def test_a_change_made_outside_since_is_not_overwritten(project):
    session = issues(project, CAT0, CAT1)
    session.accept()
    session.undo()
    project.set_label(CAT2, "dog")  # a change in the browser since
    text = session.redo()
    assert text == "Nothing to redo in this review: a change since took its place"
    assert label_of(project, CAT0) == "cat" and session.decisions == {}
    assert session.redo() == "Nothing to redo in this review"


def test_a_decision_undone_outside_the_pass_is_redone_by_it(project):
    """Edit → Undo took a decision back (the pass forgot it): the review's redo makes it
    again and counts it."""
    session = issues(project, CAT0, CAT1)
    session.accept()
    undone = project.undo()
    assert session.forget_undone(undone.undone_batch_id) and session.decisions == {}
    assert session.redo() == f"Redid: {CAT0} → dog"
    assert label_of(project, CAT0) == "dog" and session.decisions == {CAT0: "accept"}


def test_a_redo_says_what_it_made_again(project):
    """The line under the next image read "Last: Redid relabel of x.png" (and an undo
    "Undid relabel of x.png"): the label was not named, where the key's own line had
    said "x.png → dog"."""
    session = issues(project, CAT0, CAT1)
    said = session.assign("dog")
    assert said == f"{CAT0} → dog"
    assert session.undo() == f"Undid “{said}”"  # not "Undid relabel of …"
    assert session.redo() == f"Redid: {said}"
    session.exclude()
    session.undo()
    assert session.redo() == f"Redid: excluded {CAT1}"
