"""In the labeling queue a person looks at one image, large, and decides its class: with
Enter (the model's guess) or with a class key (their own choice). Enter marked the image
verified and a class key did not, so a person's own choice counted as less checked than
an accepted guess (left out by `export --exclude-unverified`, flagged again as a likely
mislabel). Both mark it verified now, as the review of likely mislabels does."""

from __future__ import annotations

from labeldesk.browse.review_session import ReviewItem, ReviewSession

PATHS = ["_unlabeled/u0.png", "_unlabeled/u1.png"]


def _status(project, path: str) -> object:
    value = project.images().set_index("path").status[path]
    return value if isinstance(value, str) else None


def test_a_class_key_in_the_queue_marks_the_image_verified_as_enter_does(project):
    session = ReviewSession(project, "queue", [ReviewItem(p, None, "dog", 0.5) for p in PATHS])
    session.accept()  # Enter: the model's guess, dog
    session.assign("cat")  # a class key: the person's own choice
    labels = project.images().set_index("path").label
    assert (labels[PATHS[0]], labels[PATHS[1]]) == ("dog", "cat")
    assert _status(project, PATHS[0]) == "verified"
    assert _status(project, PATHS[1]) == "verified"
    session.undo()  # the label and its mark go together
    assert _status(project, PATHS[1]) is None
    assert project.images().set_index("path").label[PATHS[1]] != "cat"


def test_a_class_key_in_the_queue_names_the_class_for_undo_and_the_history(project):
    """Edit → Undo over a queue label read *Undo “label _unlabeled/u0.png”*, the class
    unnamed, where the browser's keys say "label 1 image as 'cat'" and the review's
    "relabel … as 'cat'"."""
    from labeldesk.core.undo import pending_description

    session = ReviewSession(project, "queue", [ReviewItem(p, None, "dog", 0.5) for p in PATHS])
    session.assign("cat")
    assert pending_description(project.db) == f"label {PATHS[0]} as 'cat'"
