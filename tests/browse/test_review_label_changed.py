"""A review key acts on the label on screen. Another window or process may have changed
it since: the key was applied anyway (Space verified a label nobody saw; Enter overwrote a
colleague's label). Core now refuses such a write and the pass shows the label as it is.
Coming back to a decided image shows its label after the decision, and undoing a second
decision leaves the first."""

from __future__ import annotations

import pytest

from browse.review_items import CAT0, CAT1, CAT2, issues, label_of
from labeldesk.core.errors import LabelChangedError
from labeldesk.core.project import open_project


def status_of(project, path):
    value = project.images().set_index("path").status[path]
    return value if isinstance(value, str) else None


def elsewhere(project, path, label):
    """Another process labels ``path`` (its own connection)."""
    with open_project(project.path) as other:
        other.set_label(path, label, create_class=True)


def test_core_refuses_a_write_meant_for_another_label(project):
    events = len(project.history())
    with pytest.raises(LabelChangedError, match="is now cat"):
        project.set_labels({CAT0: "dog"}, expect={CAT0: "bird"})
    with pytest.raises(LabelChangedError):
        project.set_status([CAT0], "verified", expect={CAT0: None})
    assert len(project.history()) == events and label_of(project, CAT0) == "cat"
    assert project.set_labels({CAT0: "dog"}, expect={CAT0: "cat"}).batch_id is not None


@pytest.mark.parametrize("key", ["keep", "accept", "assign"])
def test_a_key_on_a_label_changed_elsewhere_writes_nothing(project, key):
    session = issues(project, CAT0, CAT1)
    elsewhere(project, CAT0, "bird")
    act = {"keep": session.keep, "accept": session.accept, "assign": lambda: session.assign("cat")}
    text = act[key]()
    assert "labeled bird elsewhere" in text and "nothing written" in text
    assert label_of(project, CAT0) == "bird" and status_of(project, CAT0) is None
    assert session.current.path == CAT0 and session.current.label == "bird"  # on screen now
    assert session.reviewed == 0
    assert session.keep() == f"Kept bird for {CAT0}"  # now the person saw it
    assert status_of(project, CAT0) == "verified" and label_of(project, CAT0) == "bird"


def test_coming_back_shows_the_label_after_the_decision(project):
    session = issues(project, CAT0, CAT1, CAT2)
    session.accept()  # CAT0: cat -> dog
    session.move(-1)
    assert session.current.path == CAT0 and session.current.label == "dog"
    assert session.keep() == f"Kept dog for {CAT0}"
    session.undo()  # the keep wrote nothing new to undo: the accept still holds
    assert session.decisions == {CAT0: "accept"} and session.reviewed == 1
    assert label_of(project, CAT0) == "dog"
    session.move(-5)
    session.undo()  # now the accept: back to cat, and shown so
    assert label_of(project, CAT0) == "cat"
    assert session.current.path == CAT0 and session.current.label == "cat"
    assert session.reviewed == 0


def test_a_suggested_class_renamed_meanwhile_is_taken_under_its_new_name(project):
    """Enter failed with "unknown class dog" after dog was renamed, and the old name
    stayed on screen."""
    session = issues(project, CAT0, CAT1)
    project.rename_class("dog", "hound")
    session.follow_scan()  # what the view does on every write
    assert session.current.suggested == "hound"
    session.accept()
    assert label_of(project, CAT0) == "hound"
    project.remove_class("hound")
    session.follow_scan()
    assert session.current.path == CAT1 and session.current.suggested is None
