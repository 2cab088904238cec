"""A review key acts on the picture on screen when a scan swapped files since the pass
read them: two cats swapped, both labeled cat, so the label check let a decision land on
the other picture."""

from __future__ import annotations

import os

import pytest

from browse.review_items import CAT0, CAT1, issues
from labeldesk.browse.review_session import ReviewItem, ReviewSession


def swap(project, a: str, b: str) -> None:
    root = project.root
    os.rename(root / a, root / "swap.tmp")
    os.rename(root / b, root / a)
    os.rename(root / "swap.tmp", root / b)
    project.scan(workers=1)  # the session is not told: the key finds out


@pytest.mark.parametrize(
    ("key", "field", "seen", "other"),
    [
        (lambda s: s.accept(), "label", "dog", "cat"),
        (lambda s: s.assign("dog"), "label", "dog", "cat"),
        (lambda s: s.keep(), "status", "verified", None),
        (lambda s: s.exclude(), "status", "excluded", None),
    ],
    ids=["accept", "number", "keep", "exclude"],
)
def test_an_issues_key_after_a_swap_acts_on_the_picture_seen(project, key, field, seen, other):
    ids = project.ids_for([CAT0, CAT1])
    session = issues(project, CAT0, CAT1)  # CAT0's picture on screen
    swap(project, CAT0, CAT1)
    assert key(session).startswith(("train/cat/cat1.jpg", "Kept", "Excluded train/cat/cat1"))
    states = {s.image_id: getattr(s, field) for s in project.image_states(ids.values())}
    assert (states[ids[CAT0]], states[ids[CAT1]]) == (seen, other)


def test_a_queue_key_after_a_swap_labels_the_picture_seen(project):
    u0, u1 = "_unlabeled/u0.png", "_unlabeled/u1.png"
    ids = project.ids_for([u0, u1])
    session = ReviewSession(project, "queue", [ReviewItem(u0, None, "dog", 0.5)])
    swap(project, u0, u1)
    assert session.assign("cat") == f"{u1} → cat"
    states = {s.image_id: s.label for s in project.image_states(ids.values())}
    assert (states[ids[u0]], states[ids[u1]]) == ("cat", None)
