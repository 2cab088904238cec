"""The labeling queue's header counts what the person did there in the queue's words:
labeled, skipped, excluded. It said "reviewed 3 / remaining 22" after two labels and a
skip, the review's word, on a page where nothing is reviewed."""

from __future__ import annotations

from browse.review_items import issues
from labeldesk.browse.review_session import ReviewItem, ReviewSession


def _queue(project) -> ReviewSession:
    paths = [f"_unlabeled/u{i}.png" for i in range(3)] + ["train/cat/cat0.jpg"]
    return ReviewSession(project, "queue", [ReviewItem(p, None, "dog", 0.5) for p in paths])


def test_the_queue_counts_labeled_skipped_and_excluded(project):
    session = _queue(project)
    assert session.counter_text() == "labeled 0 / remaining 4"
    session.accept()  # the model's guess
    session.assign("cat")  # a person's choice
    assert session.counter_text() == "labeled 2 / remaining 2"
    session.keep()  # Space: skipped for now
    assert session.counter_text() == "labeled 2 · skipped 1 / remaining 1"
    session.exclude()
    assert session.counter_text() == "labeled 2 · skipped 1 · excluded 1 / remaining 0"
    session.undo()
    assert session.counter_text() == "labeled 2 · skipped 1 / remaining 1"


def test_the_review_of_likely_mislabels_still_counts_what_is_reviewed(project):
    session = issues(project, "train/cat/cat0.jpg", "train/cat/cat1.jpg")
    session.keep()
    assert session.counter_text() == "reviewed 1 / remaining 1"
